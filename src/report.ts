import { Chalk, type ChalkInstance, supportsColor, supportsColorStderr } from 'chalk';
import { type LocatedDiagnostic, formatDiagnostic } from './diagnostics.js';

/** `color`: colour on stderr (diagnostics, verify, check's notes); `stdoutColor`: on stdout (explain's table). */
export type OutputOptions = { readonly format: 'text' | 'json'; readonly color: boolean; readonly stdoutColor?: boolean; readonly quiet: boolean };

/**
 * Colour where chalk's own detection (supports-color) finds it for that stream: on a terminal, or
 * anywhere with FORCE_COLOR=1; not on a pipe, nor with TERM=dumb or FORCE_COLOR=0. Never with
 * --no-color or a non-empty NO_COLOR (no-color.org), which supports-color does not read.
 */
export function wantColor(flag: boolean, stream: 'stderr' | 'stdout' = 'stderr'): boolean {
  const detected = stream === 'stderr' ? supportsColorStderr : supportsColor;
  return flag && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && detected !== false && detected.level > 0;
}

export function painter(color: boolean): ChalkInstance {
  return new Chalk({ level: color ? 1 : 0 });
}

/**
 * Text diagnostics on stderr; with --format json, one JSON array on stdout and nothing else there
 * (on `jsonTo` instead when stdout carries something else: render --stdout).
 */
export function report(diagnostics: readonly LocatedDiagnostic[], out: OutputOptions, jsonTo: NodeJS.WritableStream = process.stdout): void {
  if (out.format === 'json') {
    jsonTo.write(`${JSON.stringify(diagnostics.map(toJson), null, 2)}\n`);
    return;
  }
  const c = painter(out.color);
  for (const d of diagnostics) {
    if (out.quiet && d.severity === 'warning') continue;
    const line = formatDiagnostic(d);
    const paint = d.severity === 'error' ? c.red : c.yellow;
    process.stderr.write(`${line.replace(`: ${d.severity}: `, `: ${paint(d.severity)}: `)}\n`);
  }
}

function toJson(d: LocatedDiagnostic): Record<string, unknown> {
  return {
    severity: d.severity,
    file: d.file,
    line: d.line,
    column: d.column,
    path: d.path,
    pointer: d.pointer,
    message: d.message,
    ...(d.suggestion ? { suggestion: d.suggestion } : {}),
    ...(d.target ? { target: d.target } : {}),
  };
}

/** --strict: every warning is an error. */
export const strictly = (list: readonly LocatedDiagnostic[], strict: boolean): LocatedDiagnostic[] =>
  list.map((d) => (strict && d.severity === 'warning' ? { ...d, severity: 'error' as const } : d));
