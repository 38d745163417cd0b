/** A place in the user's topology file (1-based line and column). */
export type Position = { readonly file: string; readonly line: number; readonly column: number };

export type Severity = 'error' | 'warning';

/**
 * One problem. `pointer` is the JSON Pointer into the topology (`/routes/2/pool`); the dotted
 * `path` (`routes[2].pool`) and the position are derived from it when the diagnostic is located.
 */
export type Diagnostic = {
  readonly severity: Severity;
  readonly pointer: string;
  readonly message: string;
  readonly suggestion?: string;
  /** The target whose limits produced this diagnostic (a gap, a clamp, a quota). */
  readonly target?: string;
  /** Point at the key itself (unknown field) rather than at its value. */
  readonly atKey?: boolean;
  /** An error only because of --strict: a warning's kind of message, grouped as warnings are. */
  readonly strict?: boolean;
  /** Not about the topology: a drifted output file (check) or a validator's finding (render --verify). */
  readonly source?: 'drift' | 'verify';
  /** A warning the topology's acceptedGaps names: printed as such, never made an error by --strict. */
  readonly accepted?: boolean;
};

/** A diagnostic with its place in the file, ready to print. */
export type LocatedDiagnostic = Diagnostic & { readonly file: string; readonly line: number; readonly column: number; readonly path: string };

/** Expected failure: invalid input. Carries every diagnostic; printed without a stack. */
export class LbgenError extends Error {
  constructor(readonly diagnostics: readonly LocatedDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'LbgenError';
  }
}

/** Expected failure of usage or I/O (exit code 2): a missing file, an unknown flag, an unwritable folder. */
export class UsageError extends Error {
  /** `file`: the file the error is about, where there is one (a topology that cannot be read). */
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Ctrl-C (SIGINT) or SIGTERM while files were written: exit 130 or 143, as a shell reports a signal. */
export class Interrupted extends Error {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM', message: string) {
    super(message);
    this.name = 'Interrupted';
  }
}

export const isError = (d: Diagnostic): boolean => d.severity === 'error';

export function error(pointer: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'error', pointer, message, ...extra };
}

export function warning(pointer: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'warning', pointer, message, ...extra };
}

export function pointerToSegments(pointer: string): string[] {
  if (pointer === '') return [];
  const segments = pointer.slice(1).split('/');
  // Only a segment with '~' is escaped: 14,000 warnings' pointers need no regex at all.
  return pointer.includes('~') ? segments.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')) : segments;
}

export function segmentsToPointer(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    const text = String(s);
    // Ids cannot hold '~' or '/' (the schema says so): escape only the keys that do, such as unknown ones.
    out += text.includes('~') || text.includes('/') ? `/${text.replace(/~/g, '~0').replace(/\//g, '~1')}` : `/${text}`;
  }
  return out;
}

/** `/routes/2/pool` → `routes[2].pool`; keys that are not identifiers are quoted. */
export function pointerToPath(pointer: string): string {
  // Names only (most pointers): their dotted path at once, one string instead of one a segment.
  if (NAMES.test(pointer)) return pointer.slice(1).replaceAll('/', '.');
  let out = '';
  for (const seg of pointerToSegments(pointer)) {
    if (/^[0-9]+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(document)' : out;
}

const NAMES = /^(?:\/[A-Za-z_][A-Za-z0-9_-]*)+$/;

/** The one text form of `docs/cli.md`: `FILE:LINE:COL: SEVERITY: PATH: MESSAGE`. */
export function formatDiagnostic(d: LocatedDiagnostic): string {
  const fix = d.suggestion ? ` (${d.suggestion})` : '';
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.path}: ${d.message}${fix}`;
}

/** Locale-free ordering, so output never depends on the machine's collation. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Keys in UTF-16 code-unit order, never locale order. The default sort compares exactly so and is
 * V8's fastest path; memoised because several rules walk the same maps of a large topology.
 */
const keyCache = new WeakMap<object, string[]>();
export function sortedKeys(o: object): string[] {
  let keys = keyCache.get(o);
  if (!keys) keyCache.set(o, (keys = Object.keys(o).sort()));
  return keys;
}

/** Levenshtein distance, for "did you mean". */
/** Edits between two words, a swap of two neighbouring letters counting as one ("paht" is 1 from "path"). */
function distance(a: string, b: string): number {
  // Three rows of the optimal-string-alignment table: two back for the swap.
  let before: number[] = [];
  let last = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(last[j]! + 1, row[j - 1]! + 1, last[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    [before, last] = [last, row];
  }
  return last[b.length]!;
}

/** The closest candidate within a third of the word's length (at least 1 edit, at most 3), or none. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
