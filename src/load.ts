import yaml from 'js-yaml';
import { type Diagnostic, type LocatedDiagnostic, LbgenError, error, pointerToPath, segmentsToPointer } from './diagnostics.js';

/** The parsed file, and a way back from a JSON Pointer to the line and column it was written at. */
export type Loaded = {
  readonly file: string;
  readonly data: unknown;
  /** Position of the value at `pointer` (or of its key when `atKey`, or when the value is a block). */
  locate(pointer: string, atKey?: boolean): { line: number; column: number };
  /** Whether the value at `pointer` is written in the file (not a default). */
  written(pointer: string): boolean;
};

/**
 * YAML 1.2's core schema (no timestamps or other implicit types that would turn `1:00` into a
 * number of minutes), plus merge keys: `app2: { <<: *app1, address: 10.0.0.2 }` repeats a server.
 */
// (@types/js-yaml does not declare js-yaml's `types`.)
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [(yaml as unknown as { types: { merge: yaml.Type } }).types.merge] });

/** Far above any real topology (10,000 pools × 10 servers is 16 MB), far below what hurts. */
export const MAX_BYTES = 64 * 1024 * 1024;

type Node = { start: number; kind: string | null; children: Node[]; result: unknown };
type Spot = { key?: number; value: number; block: boolean };

/** text → Loaded; YAML syntax, encoding and shape problems become located diagnostics. */
export function load(text: string, file: string): Loaded {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // Line starts are found on first use only: a valid topology never needs them.
  let lines: number[] | undefined;
  const at = (offset: number) => toLineColumn((lines ??= lineStarts(source)), offset);
  const fail = (offset: number, message: string, pointer = ''): never => {
    const { line, column } = at(offset);
    throw new LbgenError([{ ...error(pointer, message), file, line, column, path: pointerToPath(pointer) }]);
  };
  if (source.includes('\u0000')) fail(source.indexOf('\u0000'), 'not a text file (it contains a NUL byte): expected a YAML topology');
  if (source.trim() === '') fail(0, 'the file is empty: expected a topology mapping (`lbgen init` writes an example)');
  let data: unknown;
  try {
    data = yaml.load(source, { filename: file, schema: SCHEMA, json: false });
  } catch (e) {
    if (e instanceof yaml.YAMLException) fail(e.mark ? e.mark.position : 0, `YAML syntax: ${e.reason}${duplicateKey(source, e)}`);
    if (e instanceof RangeError) fail(0, 'the document is nested too deeply to be a topology');
    throw e;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    fail(0, `the document must be a mapping of topology fields (got ${Array.isArray(data) ? 'a list' : data === null ? 'nothing' : `a ${typeof data}`})`);
  }
  // Without a '*' there is no alias, so nothing can expand.
  if (source.includes('*')) checkExpansion(data, (message) => fail(0, message));
  // Which top-level fields hold a block: enough for topLevelKey, without keeping the document alive.
  const blocks = new Map(Object.entries(data as object).map(([k, v]) => [k, v !== null && typeof v === 'object']));
  let spots: Map<string, Spot> | undefined;
  return {
    file,
    data,
    locate(pointer, atKey = false) {
      if (!spots) {
        const top = topLevelKey(source, blocks, pointer, atKey);
        if (top !== undefined) return at(top);
      }
      // Positions are indexed on first use only: a valid topology pays nothing for them.
      spots ??= indexPositions(source);
      for (let p = pointer; ; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
        const spot = spots.get(p);
        if (spot) return at((atKey || spot.block || p !== pointer) && spot.key !== undefined ? spot.key : spot.value);
        if (p === '') return { line: 1, column: 1 };
      }
    },
    written(pointer) {
      spots ??= indexPositions(source);
      return spots.has(pointer);
    },
  };
}

/** Attach file, line, column and dotted path to each diagnostic. */
export function locateAll(diagnostics: readonly Diagnostic[], loaded: Loaded): LocatedDiagnostic[] {
  return diagnostics.map((d) => ({ ...d, file: loaded.file, ...loaded.locate(d.pointer, d.atKey), path: pointerToPath(d.pointer) }));
}

/**
 * Aliases share one object in memory, but every later stage walks the expanded tree: a
 * "billion laughs" file would hang validation. Count the expanded size once, memoised per node.
 */
function checkExpansion(root: unknown, fail: (message: string) => never): void {
  const sizes = new Map<object, number>();
  const LIMIT = 5_000_000;
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    sizes.set(v, 1);
    let n = 1;
    for (const child of Object.values(v)) {
      n += size(child);
      if (n > LIMIT) fail(`aliases expand the document beyond ${LIMIT} nodes: refused`);
    }
    sizes.set(v, n);
    return n;
  };
  size(root);
}

/** js-yaml marks a duplicated key at its start but does not name it: read it there. */
function duplicateKey(text: string, e: yaml.YAMLException): string {
  if (e.reason !== 'duplicated mapping key' || !e.mark) return '';
  const key = /^(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\n]|'')*)'|([^\s:#,[\]{}][^:#\n,{}[\]]*?))\s*:/.exec(text.slice(e.mark.position, e.mark.position + 300));
  const name = key?.[1] ?? key?.[2]?.replace(/''/g, "'") ?? key?.[3];
  return name === undefined ? '' : ` ${JSON.stringify(name)} (each key may appear once in a mapping)`;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function toLineColumn(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** js-yaml reports a node's start before the blanks and comments that precede it: skip them. */
function skipBlank(text: string, offset: number): number {
  let i = offset;
  for (;;) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ':' && i === offset) i++;
    else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
    else return i;
  }
}

/**
 * The key of a top-level field (where a whole-map error such as an ALB quota points), found
 * without indexing every node of a large file: a block mapping's top-level keys are the only
 * lines that start with the key and a colon at column 1. Used only when exactly one line does,
 * for a key that needs no quoting and is the place to report (the key of a block, or asked for);
 * anything else goes to the full index.
 */
function topLevelKey(text: string, blocks: ReadonlyMap<string, boolean>, pointer: string, atKey: boolean): number | undefined {
  const key = /^\/([A-Za-z][A-Za-z0-9_-]*)$/.exec(pointer)?.[1];
  if (key === undefined || !blocks.has(key) || !(atKey || blocks.get(key))) return undefined;
  const lines = [...text.matchAll(new RegExp(`^(?:${key}|"${key}"|'${key}')[ \\t]*:(?=[ \\t\\r\\n]|$)`, 'gm'))];
  return lines.length === 1 ? lines[0]!.index : undefined;
}

/** Re-parse with js-yaml's `listener` (every node opens and closes, keys included) and map pointers to offsets. */
function indexPositions(text: string): Map<string, Spot> {
  const stack: Node[] = [];
  let root: Node | undefined;
  yaml.load(text, {
    schema: SCHEMA,
    listener(event, state) {
      if (event === 'open') {
        stack.push({ start: skipBlank(text, state.position), kind: null, children: [], result: undefined });
        return;
      }
      const node = stack.pop()!;
      node.kind = state.kind;
      node.result = state.result;
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(node);
      else root = node;
    },
  });
  const spots = new Map<string, Spot>();
  const walk = (outer: Node, segments: (string | number)[], key?: number) => {
    // A block-sequence entry holding a flow collection (`- { a: 1 }`) opens twice: use the inner node.
    let node = outer;
    while (node.children.length === 1 && node.children[0]!.result === node.result && node.children[0]!.kind === node.kind) node = node.children[0]!;
    const pointer = segmentsToPointer(segments);
    const block = node.kind === 'mapping' || node.kind === 'sequence';
    spots.set(pointer, key === undefined ? { value: node.start, block } : { key, value: node.start, block });
    if (node.kind === 'sequence') node.children.forEach((child, i) => walk(child, [...segments, i]));
    if (node.kind === 'mapping') {
      for (let i = 0; i + 1 < node.children.length; i += 2) {
        const k = node.children[i]!;
        walk(node.children[i + 1]!, [...segments, String(k.result)], k.start);
      }
    }
  };
  if (root) walk(root, []);
  return spots;
}
