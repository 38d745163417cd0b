import type { DurationInput } from './topology.js';
import type { Millis, Version } from './model.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Durations parsed and formatted, by value: a large topology repeats a few values thousands of times. Bounded, for long-lived callers. */
const parsed = new Map<string, Millis>();
const formatted = new Map<Millis, string>();

/** "500ms" | "10s" | "5m" | "1h" | "1d" | bare integer seconds → milliseconds. The schema has checked the shape. */
export function parseDuration(value: DurationInput): Millis {
  if (typeof value === 'number') return value * 1000;
  let ms = parsed.get(value);
  if (ms === undefined) {
    const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(value);
    if (!m) throw new Error(`not a duration: ${value}`);
    if (parsed.size >= 1000) parsed.clear();
    parsed.set(value, (ms = Number(m[1]) * UNIT_MS[m[2]!]!));
  }
  return ms;
}

/** The shortest exact form: 30000 → "30s", 3600000 → "1h", 1500 → "1500ms". */
export function formatDuration(ms: Millis): string {
  let text = formatted.get(ms);
  if (text === undefined) {
    text = `${ms}ms`;
    for (const unit of ['d', 'h', 'm', 's'] as const) {
      const size = UNIT_MS[unit]!;
      if (ms >= size && ms % size === 0) {
        text = `${ms / size}${unit}`;
        break;
      }
    }
    if (formatted.size >= 1000) formatted.clear();
    formatted.set(ms, text);
  }
  return text;
}

/** Whole seconds, rounded up: a target that counts in seconds never gets less than asked. */
export const toSeconds = (ms: Millis): number => Math.ceil(ms / 1000);

export function parseVersion(text: string): Version {
  const [a = 0, b = 0, c = 0] = text.split('.').map(Number);
  return { text, parts: [a, b, c] };
}

/** Is `v` at least `min` ("1.29.6")? */
export function atLeast(v: Version, min: string): boolean {
  const m = parseVersion(min).parts;
  for (let i = 0; i < 3; i++) if (v.parts[i] !== m[i]) return v.parts[i]! > m[i]!;
  return true;
}
