import { type LocatedDiagnostic, LbgenError, pointerToPath, pointerToSegments } from '../diagnostics.js';
import { type LoadOptions, type Loaded, type Place, type Positions, load, positionsOf } from './load.js';

/**
 * Environments: a base topology and overlay files (`-f staging.yaml`, repeatable) merged in order
 * before validation, as docker compose merges its `-f` files:
 *   - mappings merge key by key, recursively;
 *   - anything else (a list, a scalar, a mapping over a non-mapping) replaces the value whole;
 *   - `null` removes the key (so an overlay cannot write a null: see docs/cli.md).
 * Every file is parsed alone, so anchors and aliases do not cross files. An overlay may repeat
 * `version`, never change it: the version names the format the base is written in.
 *
 * Each file keeps its own positions (load's recorder); the merged document keeps, for the parts
 * the overlays touched only, which files still supply a value (`Origin`), so that a diagnostic at
 * a pointer is located in the file that wrote the value there. Without overlays none of this runs.
 */

export type Source = { readonly text: string; readonly file: string };

/**
 * Which files supply the value at one place of the merged document: `files` in merge order (0 is
 * the base), all of them mappings merged into one unless there is a single file; `[]` once an
 * overlay removed it (`removedBy`). A key that an overlay did not touch (not in `keys`) comes
 * whole from `files[0]`, the file whose value the later ones merged into.
 */
type Origin = { files: number[]; removedBy?: number; keys?: Map<string, Origin> };

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => v !== null && typeof v === 'object' && !Array.isArray(v);

/** base + overlays → one Loaded whose `locate` names the file (and its line and column) that wrote each value. */
export function loadWithOverlays(base: Source, overlays: readonly Source[], options: LoadOptions = {}): Loaded {
  const loaded = [load(base.text, base.file, options), ...overlays.map((o) => loadOverlay(o, options.positions))];
  // The document itself is the base's: a problem of the whole document is located there.
  const origin: Origin = { files: [0] };
  let data = loaded[0]!.data as Mapping;
  for (let i = 1; i < loaded.length; i++) {
    checkVersion(loaded[0]!, loaded[i]!);
    data = mergeMapping(data, loaded[i]!.data as Mapping, i, origin);
  }
  // Positions only from here on: the parsed files need not outlive the merged document.
  const files = loaded.map(positionsOf);
  // Which file wrote the value at `pointer` (the base for what no overlay touched), and whether an
  // overlay removed it (or a parent): located at that `key: null` then, and not written.
  const owner = (pointer: string): { file: Positions; removed: boolean } => {
    let o = origin;
    const segments = pointerToSegments(pointer);
    for (let i = 0; i < segments.length; i++) {
      const child = o.keys?.get(segments[i]!);
      // Not touched by a later file: the rest of the path is written (or not) in the first one.
      if (!child) return { file: files[o.files[0]!]!, removed: false };
      if (child.files.length === 0) return { file: files[child.removedBy!]!, removed: true };
      o = child;
    }
    // A mapping several files merged into is where the first defined it (a pool is where the
    // base defines it, not where a stage changes its servers), as is a field none of them writes.
    return { file: files[o.files[0]!]!, removed: false };
  };
  return {
    file: base.file,
    data,
    locate(pointer, atKey = false) {
      const { file } = owner(pointer);
      return { ...file.locate(pointer, atKey), file: file.file };
    },
    locateEach(asks) {
      // Each file locates the pointers it wrote, all at once.
      const owners = asks.map((a) => owner(a.pointer).file);
      const places = new Array<Place>(asks.length);
      for (const file of files) {
        const mine = asks.flatMap((_, i) => (owners[i] === file ? [i] : []));
        if (!mine.length) continue;
        file.locateEach(mine.map((i) => asks[i]!)).forEach((place, j) => (places[mine[j]!] = { ...place, file: file.file }));
      }
      return places;
    },
    written(pointer) {
      const { file, removed } = owner(pointer);
      return !removed && file.written(pointer);
    },
  };
}

/** A copy of `into` with `over` merged in; neither is changed (an alias may share them with another place). */
function mergeMapping(into: Mapping, over: Mapping, file: number, origin: Origin): Mapping {
  const out: Mapping = { ...into };
  const keys = (origin.keys ??= new Map());
  for (const key of Object.keys(over)) {
    const value = over[key];
    const before = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
    if (value === null) {
      delete out[key];
      keys.set(key, { files: [], removedBy: file });
    } else if (isMapping(value) && isMapping(before)) {
      const child = keys.get(key) ?? { files: [origin.files[0]!] };
      child.files.push(file);
      keys.set(key, child);
      define(out, key, mergeMapping(before, value, file, child));
    } else {
      define(out, key, value);
      keys.set(key, { files: [file] });
    }
  }
  return out;
}

/** As js-yaml does: a key named `__proto__` is a key, never the object's prototype. */
function define(o: Mapping, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function loadOverlay(source: Source, positions: LoadOptions['positions']): Loaded {
  try {
    return load(source.text, source.file, positions ? { positions } : {});
  } catch (e) {
    if (!(e instanceof LbgenError)) throw e;
    throw new LbgenError(e.diagnostics.map(overlayWording));
  }
}

/** load speaks of a topology; an overlay holds only the fields it changes, and cannot see the base's anchors. */
function overlayWording(d: LocatedDiagnostic): LocatedDiagnostic {
  if (/^YAML syntax: unidentified alias/.test(d.message)) {
    return { ...d, message: `${d.message} (anchors do not cross files: an overlay can use only the anchors it defines itself)` };
  }
  if (/^the file is empty|^the document must be a mapping/.test(d.message)) {
    const got = /\(got (.*)\)$/.exec(d.message)?.[1] ?? 'nothing';
    return { ...d, message: `an overlay must be a mapping of the fields it changes (got ${got})` };
  }
  return d;
}

/** `version` names the format the base is written in: an overlay may repeat it, not change or remove it. */
function checkVersion(base: Loaded, overlay: Loaded): void {
  const over = overlay.data as Mapping;
  if (!Object.prototype.hasOwnProperty.call(over, 'version')) return;
  const want = (base.data as Mapping).version;
  if (over.version === want) return;
  const said = want === undefined ? 'the base has none: write it in the base' : `the base says ${JSON.stringify(want)}: remove it from the overlay or write ${JSON.stringify(want)}`;
  throw new LbgenError([{
    severity: 'error',
    pointer: '/version',
    path: pointerToPath('/version'),
    file: overlay.file,
    ...overlay.locate('/version'),
    message: `an overlay cannot change the topology's version (${said})`,
  }]);
}
