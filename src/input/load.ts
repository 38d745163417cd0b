import yaml from 'js-yaml';
import type { Progress } from '../cli/progress.js';
import { type Diagnostic, type LocatedDiagnostic, LbgenError, error, pointerToPath, pointerToSegments } from '../diagnostics.js';

/** The parsed file, and a way back from a JSON Pointer to the line and column it was written at. */
export type Loaded = {
  readonly file: string;
  readonly data: unknown;
  /**
   * Position of the value at `pointer` (or of its key when `atKey`, or when the value is a block);
   * `file` when another file than `file` wrote it (a merged overlay: src/input/overlays.ts).
   */
  locate(pointer: string, atKey?: boolean): { line: number; column: number; file?: string };
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

/** Where a pointer leads in the file: its value's node, the key's node (in a mapping), how deep it got. */
type Found = { value: number; key?: number; whole: boolean };

/** text → Loaded; YAML syntax, encoding and shape problems become located diagnostics. */
export function load(text: string, file: string, progress?: Progress): Loaded {
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
  // Positions are recorded in the one parse, compactly (typed arrays), and read only when asked.
  const nodes = new NodeRecorder(progress && ((position) => progress('reading the YAML', position / source.length)));
  try {
    data = yaml.load(source, { filename: file, schema: SCHEMA, json: false, listener: nodes.listener });
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
  const find = nodes.finder();
  return {
    file,
    data,
    locate(pointer, atKey = false) {
      const found = find(pointer);
      const node = (atKey || nodes.isCollection(found.value) || !found.whole) && found.key !== undefined ? found.key : found.value;
      return at(skipBlank(source, nodes.start(node)));
    },
    written(pointer) {
      return find(pointer).whole;
    },
  };
}

/** Attach file, line, column and dotted path to each diagnostic. */
export function locateAll(diagnostics: readonly Diagnostic[], loaded: Pick<Loaded, 'file' | 'locate'>): LocatedDiagnostic[] {
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
 * Every node of the document as js-yaml's listener reports it (each node opens and closes, keys
 * included), in the order nodes close: where it starts, where its subtree starts in this order
 * (a node's descendants come just before it), its kind, and a scalar's value (for keys). About 17
 * bytes a node, kept instead of a tree of objects: 10,000 pools are a million nodes.
 */
class NodeRecorder {
  private starts = new Int32Array(1024);
  private firsts = new Int32Array(1024);
  private kinds = new Uint8Array(1024);
  private scalars: unknown[] = [];
  private count = 0;
  /** Open nodes: their start and the count when they opened, in pairs. */
  private readonly open: number[] = [];
  private lastResult: unknown = undefined;

  /** `parsed` hears how far the parse got, every 16,384 nodes. */
  constructor(private readonly parsed?: (position: number) => void) {}

  readonly listener = (event: string, state: { position: number; kind: string | null; result: unknown }): void => {
    if (event === 'open') {
      this.open.push(state.position, this.count);
      return;
    }
    const first = this.open.pop()!;
    const start = this.open.pop()!;
    const n = this.count;
    if (n === this.starts.length) this.grow();
    if ((n & 0x3fff) === 0) this.parsed?.(state.position);
    const kind = state.kind === 'mapping' ? MAPPING : state.kind === 'sequence' ? SEQUENCE : 0;
    // A block-sequence entry holding a flow collection (`- { a: 1 }`) opens twice: the outer node
    // has one child of its own kind with the same result. Marked, so that lookups use the inner one.
    const wraps = kind !== 0 && n > first && this.firsts[n - 1] === first && (this.kinds[n - 1]! & KIND) === kind && this.lastResult === state.result;
    this.starts[n] = start;
    this.firsts[n] = first;
    this.kinds[n] = kind | (wraps ? WRAPPER : 0);
    this.scalars.push(kind === 0 ? state.result : undefined);
    this.lastResult = state.result;
    this.count++;
  };

  start(node: number): number {
    return this.starts[node]!;
  }

  isCollection(node: number): boolean {
    return (this.kinds[node]! & KIND) !== 0;
  }

  /** pointer → the deepest node it reaches; each collection's children are listed once, when first asked. */
  finder(): (pointer: string) => Found {
    const root = this.count - 1;
    const keyed = new Map<number, Map<string, [key: number, value: number]>>();
    const listed = new Map<number, number[]>();
    const children = (node: number) => {
      let list = listed.get(node);
      if (!list) {
        list = [];
        for (let j = node - 1; j >= this.firsts[node]!; j = this.firsts[j]! - 1) list.push(j);
        listed.set(node, list.reverse());
      }
      return list;
    };
    const unwrap = (node: number) => {
      let n = node;
      while (this.kinds[n]! & WRAPPER) n--;
      return n;
    };
    const entries = (node: number) => {
      let map = keyed.get(node);
      if (!map) {
        map = new Map();
        const list = children(node);
        for (let i = 0; i + 1 < list.length; i += 2) map.set(String(this.scalars[list[i]!]), [list[i]!, list[i + 1]!]);
        keyed.set(node, map);
      }
      return map;
    };
    return (pointer) => {
      if (root < 0) return { value: 0, whole: pointer === '' };
      let found: Found = { value: unwrap(root), whole: true };
      for (const segment of pointerToSegments(pointer)) {
        const node = found.value;
        const kind = this.kinds[node]! & KIND;
        let next: Found | undefined;
        if (kind === MAPPING) {
          const entry = entries(node).get(segment);
          if (entry) next = { key: entry[0], value: unwrap(entry[1]), whole: true };
        } else if (kind === SEQUENCE && /^(0|[1-9][0-9]*)$/.test(segment)) {
          const child = children(node)[Number(segment)];
          if (child !== undefined) next = { value: unwrap(child), whole: true };
        }
        if (!next) return { ...found, whole: false };
        found = next;
      }
      return found;
    };
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const bigger = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T) => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.starts = bigger(this.starts, (n) => new Int32Array(n));
    this.firsts = bigger(this.firsts, (n) => new Int32Array(n));
    this.kinds = bigger(this.kinds, (n) => new Uint8Array(n));
  }
}

const MAPPING = 1;
const SEQUENCE = 2;
const KIND = 3;
const WRAPPER = 4;
