import { basename } from 'node:path';
import { type Diagnostic, type LocatedDiagnostic, LbgenError, error, isError, warning } from './diagnostics.js';
import { acceptGaps } from './check/accepted.js';
import { type Positions, load, locateAll, positionsOf } from './input/load.js';
import { type Source, loadWithOverlays } from './input/overlays.js';
import type { Model } from './model/model.js';
import type { Topology } from './model/topology.js';
import { normalise } from './model/normalise.js';
import { checkTopology } from './check/consistency.js';
import { referenceChecks } from './check/references.js';
import { RenderError } from './render/escape.js';
import { renderTemplate } from './render/handlebars.js';
import { TARGETS } from './targets/index.js';
import { PROMETHEUS_RULES_FILE, prometheusView } from './targets/prometheus.js';
import type { Built, Decision, RenderedFile, TargetName } from './targets/target.js';
import { validate } from './check/schema.js';
import type { Progress } from './cli/progress.js';

export type Options = {
  /** The file name shown in diagnostics and output headers. */
  readonly file: string;
  readonly targets: readonly TargetName[];
  /** Files merged over the topology in order (`-f`), each with the name diagnostics give it. */
  readonly overlays?: readonly Source[];
  /** A folder of user templates that replace built-in ones per file. */
  readonly templates?: string;
  /** Told each stage as it starts (the CLI's progress line on a terminal). */
  readonly progress?: Progress;
  /**
   * Which diagnostics the caller shows, each at its place: `errors` (--quiet) leaves warnings out
   * of the analysis, unplaced, and the file's positions are then recorded only if an error needs
   * one (src/input/load.ts Recording). Default `all`.
   */
  readonly shows?: 'all' | 'errors';
};

export type TargetDecisions = { readonly target: TargetName; readonly decisions: readonly Decision[] };

/** Everything known about a topology before rendering: the model, each target's decisions, every diagnostic. */
export type Analysis = {
  /** Positions only: the parsed document is not kept, so a large one can be freed once the model exists. */
  readonly loaded: Positions;
  /** The topology's file and its overlays' (`-f`), in merge order, as diagnostics name them. */
  readonly files: readonly string[];
  readonly model: Model;
  /** Each target's view; rendering takes each out once rendered, so only one is alive at a time. */
  readonly built: Map<TargetName, Built<unknown>>;
  readonly decisions: readonly TargetDecisions[];
  readonly diagnostics: readonly LocatedDiagnostic[];
};

export type Result = { readonly files: readonly RenderedFile[]; readonly diagnostics: readonly LocatedDiagnostic[] };

/** load → validate → rules → normalise → per-target view. Throws LbgenError (with every diagnostic) when anything is an error. */
export function analyse(text: string, opts: Options): Analysis {
  const progress = opts.progress ?? (() => {});
  const errorsOnly = opts.shows === 'errors';
  // The parsed document ends with modelOf: a large one is freed before the views are built.
  const { loaded, order, model, problems, acceptedGaps } = modelOf(text, opts, progress);
  const built = new Map<TargetName, Built<unknown>>();
  const decisions: TargetDecisions[] = [];
  for (const name of opts.targets) {
    progress(`planning ${name}`);
    try {
      const b = TARGETS[name].build(model);
      built.set(name, b);
      decisions.push({ target: name, decisions: b.decisions });
      problems.push(...b.diagnostics.map((d) => ({ ...d, target: name })));
      // Each gap of the target is a warning: none made when they are not shown (15,000 at 10,000 pools).
      if (!errorsOnly) problems.push(...b.decisions.filter((d) => d.outcome !== 'native').map((d) => warning(d.pointer, d.note, { target: name })));
    } catch (e) {
      if (!(e instanceof RenderError)) throw e;
      problems.push(error('', `${name}: ${e.message}`, { target: name }));
    }
  }
  progress('locating diagnostics');
  // Warnings that will not be shown are neither located nor matched with acceptedGaps.
  const found = locateAll(dedupe(errorsOnly ? problems.filter(isError) : problems), loaded);
  const { diagnostics: marked, stale } = errorsOnly ? { diagnostics: found, stale: [] } : acceptGaps(found, acceptedGaps, opts.targets);
  const located = sortByPlace([...marked, ...locateAll(stale, loaded)], order);
  if (located.some(isError)) throw new LbgenError(located);
  return { loaded, files: order ?? [opts.file], model, built, decisions, diagnostics: located };
}

type Modelled = {
  /** Positions only, not the parsed document. */
  readonly loaded: Analysis['loaded'];
  /** The files in merge order, with overlays (sortByPlace). */
  readonly order: readonly string[] | undefined;
  readonly model: Model;
  /** The consistency rules' warnings, to which the targets' are added. */
  readonly problems: Diagnostic[];
  readonly acceptedGaps: Topology['acceptedGaps'];
};

/** load → validate → rules → normalise. Throws LbgenError when the topology is refused. */
function modelOf(text: string, opts: Options, progress: Progress): Modelled {
  const loading = { progress, positions: opts.shows === 'errors' ? 'asked' : 'now' } as const;
  const loaded = opts.overlays?.length ? loadWithOverlays({ text, file: opts.file }, opts.overlays, loading) : load(text, opts.file, loading);
  const order = opts.overlays?.length ? [opts.file, ...opts.overlays.map((o) => o.file)] : undefined;
  progress('checking the schema');
  const { topology, diagnostics: schemaProblems } = validate(loaded.data);
  if (!topology) {
    // The reference checks a refused document still allows, unless the schema already spoke of that place.
    const said = new Set(schemaProblems.map((d) => d.pointer));
    const more = referenceChecks(loaded.data).filter((d) => !said.has(d.pointer));
    throw new LbgenError(sortByPlace(locateAll([...schemaProblems, ...more], loaded), order));
  }
  progress('checking references');
  const problems: Diagnostic[] = checkTopology(topology);
  if (problems.some(isError)) throw new LbgenError(sortByPlace(locateAll(problems, loaded), order));
  progress('building the model');
  const model = normalise(topology, sourceName(opts));
  return { loaded: positionsOf(loaded), order, model, problems, acceptedGaps: topology.acceptedGaps };
}

/** analyse, then render each target's files from its templates. */
export function generate(text: string, opts: Options): Result {
  const analysis = analyse(text, opts);
  return { files: [...renderFiles(analysis, opts)], diagnostics: analysis.diagnostics };
}

/** Where a file's text goes (the writer's temporary file). */
export type FileSink = { end(text: string): void };

/** Each file of the analysed targets, whole (tests, check, --stdout). */
export function* renderFiles(analysis: Analysis, opts: Options): Generator<RenderedFile> {
  for (const job of jobs(analysis, opts)) yield { path: job.path, text: finish(job.render()) };
}

/** Each file rendered into the sink that `open` gives for its path, one file after another (each view freed once rendered). Returns the paths. */
export function streamFiles(analysis: Analysis, opts: Options, open: (path: string) => FileSink): string[] {
  const paths: string[] = [];
  for (const job of jobs(analysis, opts)) {
    open(job.path).end(finish(job.render()));
    paths.push(job.path);
  }
  return paths;
}

type Job = { readonly path: string; render(): string };

function* jobs(analysis: Analysis, opts: Options): Generator<Job> {
  // The share done counts the files that will be written (the NLB template only with an NLB).
  const wanted = (name: TargetName) => TARGETS[name].files.filter((f) => !f.when || f.when(analysis.built.get(name)!.view));
  const total = opts.targets.reduce((n, name) => n + wanted(name).length, 0);
  let done = 0;
  for (const name of opts.targets) {
    const files = wanted(name);
    // Each view is let go once its target is rendered: only one is alive at a time.
    const view = analysis.built.get(name)!.view;
    analysis.built.delete(name);
    for (const f of files) {
      opts.progress?.(`rendering ${f.path}`, done++ / total);
      yield { path: f.path, render: () => renderTemplate(name, f.template, view, opts.templates) };
    }
  }
  // The alerting rules serve nginx and HAProxy together: one file, written when either is rendered.
  const rules = prometheusView(analysis.model, opts.targets);
  if (rules) yield { path: PROMETHEUS_RULES_FILE, render: () => renderTemplate('prometheus', `${PROMETHEUS_RULES_FILE}.hbs`, rules, opts.templates) };
}

/** LF only (a user's template may have CRLF), exactly one trailing newline; no regex on the tail: it costs 70 ms on a 10,000-pool config. */
function finish(rendered: string): string {
  const text = rendered.includes('\r') ? rendered.replace(/\r\n/g, '\n') : rendered;
  if (text.endsWith('\n') && !text.endsWith('\n\n')) return text;
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  return `${text.slice(0, end)}\n`;
}

/**
 * The files named in every output's header: their base names only (never the folder they were
 * read from), so that a render from another folder or machine is byte-identical and the drift
 * gate compares like with like; overlays follow the base, in order: `topology.yaml + prod.yaml`.
 * Only characters that cannot end a comment are kept (standard input is named so).
 */
export function sourceName(opts: Pick<Options, 'file' | 'overlays'>): string {
  const name = (file: string) => (file === '<stdin>' ? 'standard input' : basename(file).replace(/[^A-Za-z0-9._-]/g, '_'));
  return [opts.file, ...(opts.overlays ?? []).map((o) => o.file)].map(name).join(' + ');
}

/** The same warning from two targets at one place is said once per target; identical lines once. */
function dedupe(list: readonly Diagnostic[]): Diagnostic[] {
  // By place, then compared: not a key of severity, place and message made (and hashed) for each.
  const seen = new Map<string, Diagnostic[]>();
  return list.filter((d) => {
    const same = seen.get(d.pointer);
    if (!same) seen.set(d.pointer, [d]);
    else if (same.some((o) => o.severity === d.severity && o.message === d.message)) return false;
    else same.push(d);
    return true;
  });
}

function sortByPlace(list: LocatedDiagnostic[], order?: readonly string[]): LocatedDiagnostic[] {
  // One file but with overlays: those of the base first, then each overlay's, in the order given
  // (only a sort across files pays for the lookup).
  if (!order) return list.sort((a, b) => a.line - b.line || a.column - b.column);
  return list.sort((a, b) => (a.file === b.file ? 0 : order.indexOf(a.file) - order.indexOf(b.file)) || a.line - b.line || a.column - b.column);
}
