import { Chalk, type ChalkInstance, supportsColor, supportsColorStderr } from 'chalk';
import { type LocatedDiagnostic, formatDiagnostic } from '../diagnostics.js';
import type { ProgressLine } from './progress.js';
import { githubCommands, sarifLog } from './ci-formats.js';

/** `text` for people; `json`, `github` (workflow commands) and `sarif` for machines. */
export type Format = 'text' | 'json' | 'github' | 'sarif';
export const FORMATS: readonly Format[] = ['text', 'json', 'github', 'sarif'];

/**
 * Formats that say every finding in one report on stdout (the JSON array, the SARIF log, the
 * annotations): drift and --verify's findings join the diagnostics there instead of lines of
 * their own on stderr.
 */
export const oneReport = (out: OutputOptions): boolean => out.format !== 'text';
/** Formats a person reads in a log too: the counts and the files written are said on stderr. */
export const saysProgress = (out: OutputOptions): boolean => out.format === 'text' || out.format === 'github';

export type OutputOptions = {
  readonly format: Format;
  /** Colour on stderr (diagnostics, verify, check's notes). */
  readonly color: boolean;
  /** Colour on stdout (explain's table). */
  readonly stdoutColor?: boolean;
  readonly quiet: boolean;
  /** The terminal's progress line, erased before diagnostics are printed. */
  readonly progress?: ProgressLine;
};

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
 * Text diagnostics on stderr, the same message at many places said once (see `groups`); with
 * --format json, one JSON array on stdout with every diagnostic and nothing else there (on
 * `jsonTo` instead when stdout carries something else: render --stdout). --format sarif is one
 * SARIF log there, every diagnostic a result; --format github a workflow command per group
 * (errors only with --quiet, as text).
 */
export function report(diagnostics: readonly LocatedDiagnostic[], out: OutputOptions, jsonTo: NodeJS.WritableStream = process.stdout): void {
  out.progress?.clear();
  if (out.format === 'json') {
    jsonTo.write(`${JSON.stringify(diagnostics.map(toJson), null, 2)}\n`);
    return;
  }
  if (out.format === 'sarif') {
    jsonTo.write(`${JSON.stringify(sarifLog(diagnostics), null, 2)}\n`);
    return;
  }
  if (out.format === 'github') {
    jsonTo.write(githubCommands(groups(out.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics)));
    return;
  }
  const c = painter(out.color);
  const shown = out.quiet ? diagnostics.filter((d) => d.severity === 'error') : diagnostics;
  let text = '';
  for (const group of groups(shown)) {
    const d = group[0]!;
    const paint = d.severity === 'error' ? c.red : d.accepted ? c.dim : c.yellow;
    // An accepted gap is still said, every time: the file accepts it, the reader may not know it.
    text += `${formatDiagnostic(d).replace(`: ${d.severity}: `, `: ${paint(d.severity)}: `)}${d.accepted ? ' [accepted]' : ''}\n`;
    if (group.length > 1) text += `${c.dim(more(group))}\n`;
  }
  process.stderr.write(text);
}

/** How many places a group holds before its line says "and N more". */
const PLACES_SHOWN = 3;

/**
 * Warnings that say the same thing at different places, in order of their first place: same
 * severity, same target and the same message once the place's own names are taken out of it
 * (`pool "p00001"` at pools.p00001 reads as `pool "…"`). 10,000 pools with one warning each are
 * one group, not 10,000 lines in which a real problem is lost. Errors are each a line of their
 * own (each is a fix to make at its place), but for warnings that --strict made errors.
 */
export function groups(diagnostics: readonly LocatedDiagnostic[]): LocatedDiagnostic[][] {
  const all: LocatedDiagnostic[][] = [];
  // Keyed by the message as it is (a string hashes once), not by a longer key made again for each
  // of 10,000 warnings; the few groups of one message are told apart by severity, target, accepted.
  const byMessage = new Map<string, LocatedDiagnostic[][]>();
  for (const d of diagnostics) {
    if (d.severity === 'error' && !d.strict) {
      all.push([d]);
      continue;
    }
    const message = withoutPlace(d);
    let same = byMessage.get(message);
    if (!same) byMessage.set(message, (same = []));
    const group = same.find(([g]) => g!.severity === d.severity && !g!.accepted === !d.accepted && g!.target === d.target);
    if (group) group.push(d);
    else {
      same.push([d]);
      all.push(same[same.length - 1]!);
    }
  }
  return all;
}

/** The message with each quoted name of its own path replaced by "…". */
function withoutPlace(d: LocatedDiagnostic): string {
  let message = d.message;
  if (!message.includes('"')) return message;
  for (const name of d.pointer.split('/').slice(1)) if (name) message = message.replaceAll(`"${name}"`, '"…"');
  return message;
}

/** `  … and 1,999 more pools: pools.p00002.healthCheck, pools.p00003.healthCheck, pools.p00004.healthCheck, …` */
function more(group: readonly LocatedDiagnostic[]): string {
  const rest = group.slice(1);
  // Named when every path starts with the same name (the letters before a `.` or `[`).
  const head = /^[A-Za-z]+/.exec(rest[0]!.path)?.[0];
  const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  const noun = head && rest.every((d) => d.path.startsWith(head) && !isLetter(d.path.charCodeAt(head.length))) ? ` ${head}` : '';
  const places = rest.slice(0, PLACES_SHOWN).map((d) => d.path).join(', ');
  return `  … and ${thousands(rest.length)} more${noun}: ${places}${rest.length > PLACES_SHOWN ? ', …' : ''}`;
}

/** 1999 → "1,999", the same on every machine (no locale). */
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** `validate`'s last line: every diagnostic counted, and the groups they were shown in. */
export function summary(diagnostics: readonly LocatedDiagnostic[]): string {
  const count = (n: number, word: string) => `${thousands(n)} ${word}${n === 1 ? '' : 's'}`;
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const shown = groups(diagnostics).length;
  const grouped = shown < diagnostics.length ? ` (${count(shown, 'group')})` : '';
  const accepted = diagnostics.filter((d) => d.accepted).length;
  return `${count(errors, 'error')}, ${count(diagnostics.length - errors, 'warning')}${accepted ? `, ${thousands(accepted)} of them accepted` : ''}${grouped}`;
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
    ...(d.accepted ? { accepted: true } : {}),
  };
}

/** --strict: every warning is an error, but those the topology's acceptedGaps names. */
export const strictly = (list: readonly LocatedDiagnostic[], strict: boolean): LocatedDiagnostic[] =>
  list.map((d) => (strict && d.severity === 'warning' && !d.accepted ? { ...d, severity: 'error' as const, strict: true } : d));
