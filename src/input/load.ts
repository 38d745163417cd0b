import yaml from 'js-yaml';
import type { Progress } from '../cli/progress.js';
import { type Diagnostic, type LocatedDiagnostic, LbgenError, error, pointerToPath, pointerToSegments } from '../diagnostics.js';

/** A line and a column (from 1), in `file` when another file than the topology's wrote it (an overlay). */
export type Place = { line: number; column: number; file?: string };

/** The parsed file, and a way back from a JSON Pointer to the line and column it was written at. */
export type Loaded = Positions & { readonly data: unknown };

/** A Loaded without its document: what diagnostics and explain need once the model exists. */
export type Positions = {
  readonly file: string;
  /**
   * Position of the value at `pointer` (or of its key when `atKey`, or when the value is a block);
   * `file` when another file than `file` wrote it (a merged overlay: src/input/overlays.ts).
   * Each call reads the text up to that place: many places are asked of `locateEach`.
   */
  locate(pointer: string, atKey?: boolean): Place;
  /** `locate` for each of many pointers at once, in one pass over the text. */
  locateEach(asks: readonly { readonly pointer: string; readonly atKey?: boolean }[]): Place[];
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

/**
 * When the file's positions are recorded: during the one parse (`now`: the caller will ask for
 * places, warnings included), or by a second parse the first time a place is asked (`asked`: a
 * caller that shows errors only, as --quiet does, so that a valid topology never pays for them).
 */
export type Recording = 'now' | 'asked';

export type LoadOptions = { readonly progress?: Progress | undefined; readonly positions?: Recording };

/** A Loaded's positions alone, so that its parsed document can be freed. */
export const positionsOf = (l: Positions): Positions => ({ file: l.file, locate: l.locate, locateEach: l.locateEach, written: l.written });

/** text → Loaded; YAML syntax, encoding and shape problems become located diagnostics. */
export function load(text: string, file: string, { progress, positions = 'now' }: LoadOptions = {}): Loaded {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const fail = (offset: number, message: string, pointer = ''): never => {
    const { line, column } = lineColumn(source, [offset])[0]!;
    throw new LbgenError([{ ...error(pointer, message), file, line, column, path: pointerToPath(pointer) }]);
  };
  if (source.includes('\u0000')) fail(source.indexOf('\u0000'), 'not a text file (it contains a NUL byte): expected a YAML topology');
  if (source.trim() === '') fail(0, 'the file is empty: expected a topology mapping (`lbgen init` writes an example)');
  let data: unknown;
  // Positions are recorded compactly (typed arrays), in the one parse or in a second one when first
  // asked (see Recording), and read only when asked.
  const reported = progress && ((position: number) => progress('reading the YAML', position / source.length));
  const parse = (nodes?: NodeRecorder) => {
    // (@types/js-yaml does not declare `maxDepth`, nor the listener's view of depth, tag and anchor.)
    const options: yaml.LoadOptions & { maxDepth: number } = { filename: file, schema: SCHEMA, json: false, maxDepth: MAX_DEPTH, ...(nodes ? { listener: nodes.listener } : {}) };
    try {
      return yaml.load(source, options);
    } finally {
      nodes?.ended();
    }
  };
  // (Without a recorder the parse says no share done: `asked` is for --quiet, which shows no progress.)
  progress?.('reading the YAML', 0);
  const recorded = positions === 'now' ? new NodeRecorder(source, reported) : undefined;
  try {
    data = parse(recorded);
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
  let finder: { nodes: NodeRecorder; find: (pointer: string) => Found } | undefined;
  const positioned = () => {
    if (!finder) {
      const nodes = recorded ?? new NodeRecorder(source);
      // Not recorded yet: the text is parsed again for its positions alone (it parsed once, it parses the same way).
      if (!recorded) parse(nodes);
      finder = { nodes, find: nodes.finder() };
    }
    return finder;
  };
  const offset = (pointer: string, atKey = false) => {
    const { nodes, find } = positioned();
    const found = find(pointer);
    const node = (atKey || nodes.isCollection(found.value) || !found.whole) && found.key !== undefined ? found.key : found.value;
    return skipBlank(source, nodes.start(node));
  };
  return {
    file,
    data,
    locate(pointer, atKey = false) {
      return lineColumn(source, [offset(pointer, atKey)])[0]!;
    },
    locateEach(asks) {
      return lineColumn(source, asks.map((a) => offset(a.pointer, a.atKey)));
    },
    written(pointer) {
      return positioned().find(pointer).whole;
    },
  };
}

/** Attach file, line, column and dotted path to each diagnostic. */
export function locateAll(diagnostics: readonly Diagnostic[], loaded: Pick<Loaded, 'file' | 'locateEach'>): LocatedDiagnostic[] {
  const places = loaded.locateEach(diagnostics);
  return diagnostics.map((d, i) => {
    const { file = loaded.file, line, column } = places[i]!;
    // Not `{ ...d, file, … }`: on Node 20 a spread followed by more fields costs some 5 µs an
    // object (70 ms for 15,000 warnings), Object.assign a tenth of that.
    return Object.assign({}, d, { file, line, column, path: pointerToPath(d.pointer) });
  });
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

/**
 * Line and column of each offset, in one pass over the text up to the last of them (the lines are
 * counted between offsets taken in order): many places cost about what one does.
 */
function lineColumn(text: string, offsets: readonly number[]): { line: number; column: number }[] {
  const places = new Array<{ line: number; column: number }>(offsets.length);
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  let line = 1;
  let lineStart = 0;
  let next = text.indexOf('\n');
  for (const i of order) {
    const offset = offsets[i]!;
    while (next !== -1 && next < offset) {
      line++;
      lineStart = next + 1;
      next = text.indexOf('\n', lineStart);
    }
    places[i] = { line, column: offset - lineStart + 1 };
  }
  return places;
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

/** What js-yaml's listener is shown: its parser state as a node opens (`depth` counts it) or closes. */
type ParserState = yaml.State & { depth: number; tag: string | null; anchor: string | null };

/**
 * Every node of the document as js-yaml's listener reports it (each node opens and closes, keys
 * included), in the order nodes close, so that a node's descendants come just before it: where it
 * starts, how deep it is, its kind. About 6 bytes a node, kept instead of a tree of objects: 10,000
 * pools are a million nodes. Scalars are not kept: a key written plain on one line (nearly all
 * keys) is read back from the text when a pointer asks for it; only the other key-like scalars
 * (quoted, a number, tagged, anchored, an alias, on several lines) keep their parsed value.
 */
class NodeRecorder {
  private starts: Int32Array;
  private depths: Uint8Array;
  private kinds: Uint8Array;
  /** Scalars that may be keys (even children) and cannot be read back from the text, by node. */
  private readonly keyValues = new Map<number, unknown>();
  private count = 0;
  /** Per depth, the node open there (js-yaml nests at most `maxDepth` deep): its start, its line, its children so far. */
  private readonly openStart: Int32Array;
  private readonly openLine: Int32Array;
  private readonly openChildren: Int32Array;
  private lastResult: unknown = undefined;

  /** `parsed` hears how far the parse got, every 16,384 nodes. */
  constructor(private readonly source: string, private readonly parsed?: (position: number) => void) {
    // A topology takes about 8 bytes of text a node; `grow` corrects the guess as the parse goes.
    const size = 1024 + (source.length >> 3);
    this.starts = new Int32Array(size);
    this.depths = new Uint8Array(size);
    this.kinds = new Uint8Array(size);
    this.openStart = new Int32Array(MAX_DEPTH + 2);
    this.openLine = new Int32Array(MAX_DEPTH + 2);
    this.openChildren = new Int32Array(MAX_DEPTH + 2);
  }

  readonly listener = (event: yaml.EventType, parser: yaml.State): void => {
    const state = parser as ParserState;
    const depth = state.depth;
    if (event === 'open') {
      this.openStart[depth] = state.position;
      this.openLine[depth] = state.line;
      this.openChildren[depth] = 0;
      return;
    }
    const n = this.count;
    if (n === this.starts.length) this.grow(state.position);
    if ((n & 0x3fff) === 0) this.parsed?.(state.position);
    const kind = state.kind === 'mapping' ? MAPPING : state.kind === 'sequence' ? SEQUENCE : 0;
    // A block-sequence entry (`- { a: 1 }`, `- a`) or a value on the next line opens twice: the
    // outer node has one child of its own kind with the same result. Marked, so that lookups use
    // the inner one.
    const wraps = this.openChildren[depth] === 1 && (this.kinds[n - 1]! & KIND) === kind && this.lastResult === state.result;
    // Every other child of a node may be a key. A scalar written plain (tag `?`: no type matched),
    // without an anchor, on one line, from the place it opened at, is its own text: not kept.
    const index = this.openChildren[depth - 1]!;
    this.openChildren[depth - 1] = index + 1;
    if (kind === 0 && !wraps && (index & 1) === 0 && (state.tag !== '?' || state.anchor !== null || state.line !== this.openLine[depth] || isBlank(this.source.charCodeAt(this.openStart[depth]!)))) {
      this.keyValues.set(n, state.result);
    }
    this.starts[n] = this.openStart[depth]!;
    this.depths[n] = depth;
    this.kinds[n] = kind | (wraps ? WRAPPER : 0);
    this.lastResult = state.result;
    this.count++;
  };

  /** The parse is over: the last value it saw (the whole document) is not kept with the positions. */
  ended(): void {
    this.lastResult = undefined;
  }

  /** The node a wrapper (see the listener) wraps, or the node itself. */
  unwrap(node: number): number {
    let n = node;
    while (this.kinds[n]! & WRAPPER) n--;
    return n;
  }

  start(node: number): number {
    return this.starts[node]!;
  }

  isCollection(node: number): boolean {
    return (this.kinds[node]! & KIND) !== 0;
  }

  /**
   * pointer → the deepest node it reaches. A large collection's children are listed once, when
   * first asked, and a large mapping's keys put in a map then; a small one's are compared in place.
   */
  finder(): (pointer: string) => Found {
    const root = this.count - 1;
    const listed = new Map<number, number[]>();
    /** Key text → the index of the key in the mapping's children (its value follows), for mappings of more than SMALL keys. */
    const keyed = new Map<number, Map<string, number>>();
    const children = (node: number) => {
      let list = listed.get(node);
      if (list) return list;
      list = childrenLastFirst(this.depths, node).reverse();
      // Listing reads the node's whole subtree: kept for a large one (the root, `pools`), made
      // again for a small one (a pool) rather than kept by the ten thousand.
      if (list.length && node - list[0]! > 256) listed.set(node, list);
      return list;
    };
    // A wrapped collection is looked up in, and located at, its inner node; a wrapped scalar is
    // located where its wrapper starts (before: the same place), its text read from the inner one.
    const unwrap = (node: number) => ((this.kinds[node]! & KIND) === 0 ? node : this.unwrap(node));
    /** The index in `list` (a mapping's children) of the key `segment`, or -1. */
    const keyIndex = (node: number, list: readonly number[], segment: string) => {
      if (list.length <= 2 * SMALL) {
        for (let i = 0; i + 1 < list.length; i += 2) if (this.isKey(list[i]!, list[i + 1]!, segment)) return i;
        return -1;
      }
      let map = keyed.get(node);
      if (!map) {
        map = new Map();
        for (let i = 0; i + 1 < list.length; i += 2) {
          const key = this.keyText(list[i]!, list[i + 1]!);
          if (key !== undefined) map.set(key, i);
        }
        keyed.set(node, map);
      }
      return map.get(segment) ?? -1;
    };
    return (pointer) => {
      if (root < 0) return { value: 0, whole: pointer === '' };
      let found: Found = { value: unwrap(root), whole: true };
      for (const segment of pointerToSegments(pointer)) {
        const node = found.value;
        const kind = this.kinds[node]! & KIND;
        let next: Found | undefined;
        if (kind === MAPPING) {
          const list = children(node);
          const i = keyIndex(node, list, segment);
          if (i !== -1) next = { key: list[i]!, value: unwrap(list[i + 1]!), whole: true };
        } else if (kind === SEQUENCE && /^(0|[1-9][0-9]*)$/.test(segment)) {
          const child = children(node)[Number(segment)];
          if (child !== undefined) next = { value: unwrap(child), whole: true };
        }
        if (!next) {
          found.whole = false;
          return found;
        }
        found = next;
      }
      return found;
    };
  }

  /**
   * A key's text as js-yaml made it a property name: its parsed value as a string, or for a plain
   * key on one line, its text (see keyEnd). A collection is no key here.
   */
  private keyText(wrapped: number, value: number): string | undefined {
    const key = this.unwrap(wrapped);
    if (this.keyValues.has(key)) return String(this.keyValues.get(key));
    if (this.kinds[key] !== 0) return undefined;
    const start = this.starts[key]!;
    return this.source.slice(start, this.keyEnd(start, this.starts[value]!));
  }

  /** keyText(key, value) === name, without making the text of a plain key. */
  private isKey(wrapped: number, value: number, name: string): boolean {
    const key = this.unwrap(wrapped);
    if (this.keyValues.has(key)) return String(this.keyValues.get(key)) === name;
    if (this.kinds[key] !== 0) return false;
    const start = this.starts[key]!;
    return this.source.startsWith(name, start) && this.keyEnd(start, this.starts[value]!) === start + name.length;
  }

  /**
   * Where a plain key written on one line ends, from its first character to before its value
   * (`stop`): at the `:` that ends it (a `:` followed by a blank, or by its value at once, as in
   * `{a:[x]}`), or before the comment of an explicit `? key`, without the blanks before either.
   */
  private keyEnd(start: number, stop: number): number {
    const text = this.source;
    let end = start;
    for (; end < stop; end++) {
      const c = text.charCodeAt(end);
      if (c === LF || c === CR || (c === COLON && (end + 1 === stop || isBlank(text.charCodeAt(end + 1)))) || (c === HASH && end > start && isBlank(text.charCodeAt(end - 1)))) break;
    }
    while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
    return end;
  }

  /** To the size the rest of the text will need at the rate so far (a little over), at least a quarter more. */
  private grow(position: number): void {
    const expected = Math.ceil((this.count / Math.max(position, 1)) * this.source.length * 1.05);
    const size = Math.max(expected, Math.ceil(this.count * 1.25));
    const bigger = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T) => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.starts = bigger(this.starts, (n) => new Int32Array(n));
    this.depths = bigger(this.depths, (n) => new Uint8Array(n));
    this.kinds = bigger(this.kinds, (n) => new Uint8Array(n));
  }
}

/**
 * A node's descendants come just before it: its children are those one level deeper, last first.
 * (Nothing after the loop: code that a long first call never reached before V8 optimised the loop
 * makes the optimised function bail out on every later call.)
 */
function childrenLastFirst(depths: Uint8Array, node: number): number[] {
  const list: number[] = [];
  const depth = depths[node]! + 1;
  for (let j = node - 1; j >= 0 && depths[j]! >= depth; j--) if (depths[j] === depth) list.push(j);
  return list;
}

/** Mappings of up to SMALL keys are searched key by key: a map of their keys costs more than it saves. */
const SMALL = 8;
/** js-yaml's default nesting limit (its `maxDepth`), which load keeps. */
const MAX_DEPTH = 100;
const MAPPING = 1;
const SEQUENCE = 2;
const KIND = 3;
const WRAPPER = 4;
const LF = 10;
const CR = 13;
const COLON = 58;
const HASH = 35;
const isBlank = (c: number) => c === 32 || c === 9 || c === LF || c === CR;
