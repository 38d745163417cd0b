import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { LbgenError, type LocatedDiagnostic, UsageError, didYouMean, isError } from '../diagnostics.js';
import type { Source } from '../input/overlays.js';
import { STDIN, label, readTopology } from '../input/read.js';
import { packageRoot } from '../paths.js';
import { analyse, generate, type Options, renderFiles, streamFiles } from '../pipeline.js';
import { type OutputOptions, oneReport, painter, report, saysProgress, strictly, summary } from './report.js';
import { githubVerbatim } from './ci-formats.js';
import { TARGETS, TARGET_NAMES } from '../targets/index.js';
import type { TargetName } from '../targets/target.js';
import { topologySchema } from '../check/schema.js';
import { driftDiagnostic, findDrift, ownedFiles, patch } from '../output/drift.js';
import { writeFiles } from '../output/write.js';
import { explainRows, explainTable } from './explain.js';
import { unusedTemplates } from '../render/handlebars.js';
import { type Verification, verify } from '../output/verify.js';
import { VERSION } from '../version.js';

/** `targets`: each -t given, in order (absent: all three); `overlay`: each -f, in order. */
type TargetFlags = { targets?: string[]; strict?: boolean; templates?: string; overlay?: string[] };


/** Each `-f` file, read as the topology is; standard input can be read once, as the topology or one overlay. */
function readOverlays(file: string, overlays: readonly string[]): Source[] {
  if ([file, ...overlays].filter((f) => f === STDIN).length > 1) {
    throw new UsageError('standard input (-) can be read once: give it as the topology or as one overlay, not both');
  }
  return overlays.map((f) => ({ file: label(f), text: readTopology(f) }));
}

/** The topology and its overlays as messages name them: `topology.yaml + prod.yaml`. */
const described = (file: string, flags: TargetFlags) => [file, ...(flags.overlay ?? [])].map(label).join(' + ');

export function parseTargets(given: readonly string[] | undefined): TargetName[] {
  if (given === undefined) return [...TARGET_NAMES];
  const names = given.join(',').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(TARGET_NAMES as string[]).includes(n));
  if (unknown.length || names.length === 0) {
    const named = unknown.map((n) => {
      const close = didYouMean(n, TARGET_NAMES);
      return close ? `"${n}" (did you mean "${close}"?)` : `"${n}"`;
    });
    throw new UsageError(`unknown target ${named.join(', ') || '(none)'}: expected ${TARGET_NAMES.join(', ')}`);
  }
  return TARGET_NAMES.filter((n) => names.includes(n));
}

/** What every command that analyses a topology passes the pipeline: targets, overlays, templates, progress. */
export function options(file: string, flags: TargetFlags, out?: OutputOptions): Options {
  if (flags.templates !== undefined && !(existsSync(flags.templates) && statSync(flags.templates).isDirectory())) {
    throw new UsageError(`--templates ${flags.templates} is not a folder`);
  }
  return {
    file: label(file),
    ...(flags.overlay?.length ? { overlays: readOverlays(file, flags.overlay) } : {}),
    targets: parseTargets(flags.targets),
    ...(flags.templates !== undefined ? { templates: resolve(flags.templates) } : {}),
    ...(out?.progress ? { progress: out.progress.tick } : {}),
  };
}

/**
 * options() for a command whose findings go to report(): with --quiet it prints errors only (as
 * text or annotations), so the analysis leaves the warnings out, unplaced. Not under --strict
 * (warnings become errors), nor for JSON and SARIF (every diagnostic is listed). graph and explain
 * show warnings in their own output whatever --quiet says: they take options().
 */
function reportedOptions(file: string, flags: TargetFlags, out: OutputOptions): Options {
  const opts = options(file, flags, out);
  return out.quiet && !flags.strict && (out.format === 'text' || out.format === 'github') ? { ...opts, shows: 'errors' } : opts;
}

const templateWarnings = (opts: Options): LocatedDiagnostic[] => (opts.templates ? unusedTemplates(opts.templates) : []);

/** Under --strict a warning fails the run like an error, before anything is written. */
function enforce(diagnostics: Parameters<typeof strictly>[0], strict: boolean | undefined): ReturnType<typeof strictly> {
  const list = strictly(diagnostics, strict === true);
  if (list.some(isError)) throw new LbgenError(list);
  return list;
}

function withStrict<T>(strict: boolean | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LbgenError) throw new LbgenError(strictly(e.diagnostics, strict === true));
    throw e;
  }
}

export function init(file: string, flags: { force?: boolean }, out: OutputOptions): number {
  const reference = readFileSync(join(packageRoot, 'examples', 'verb-app.yaml'), 'utf8');
  if (file === '-') {
    // As `validate -` reads standard input, `init -` writes to standard output: where the text
    // lands is unknown, so no path to the schema can be right; say how to get one instead.
    process.stdout.write(reference
      .replace(/^# yaml-language-server: \$schema=.*$/m, '# Editor completion: lbgen schema > topology.schema.json, then make this line: # yaml-language-server: $schema=topology.schema.json')
      .replace(/(Render it with: lbgen render ).*$/m, '$1<this file>'));
    return 0;
  }
  if (existsSync(file) && !flags.force) throw new UsageError(`${file} exists: use --force to overwrite it`, file);
  // The example's first lines point at the schema and name the file from the repository's root:
  // point them from where the new file is instead, so that an editor finds the schema there too.
  const schema = relative(dirname(resolve(file)), join(packageRoot, 'schemas', 'topology.schema.json')).split(sep).join('/');
  const text = reference
    .replace(/^(# yaml-language-server: \$schema=).*$/m, `$1${schema}`)
    .replace(/(Render it with: lbgen render ).*$/m, `$1${file}`);
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new UsageError(`cannot write ${file}: ${(e as Error).message}`, file);
  }
  if (!out.quiet && out.format === 'text') process.stderr.write(`wrote ${file}: edit it, then run lbgen validate ${file}\n`);
  if (oneReport(out)) report([], out);
  return 0;
}

/**
 * Every problem, then (as text) one line that counts them: errors, warnings and the groups shown.
 * Several files (a pre-commit hook passes every staged one) are each validated and counted; JSON,
 * SARIF and GitHub annotations are then one report for them all. Exit 1 when any is invalid.
 */
export function validate(files: string | readonly string[], flags: TargetFlags, out: OutputOptions): number {
  const list = typeof files === 'string' ? [files] : files;
  if (list.filter((f) => f === STDIN).length > 1) throw new UsageError('standard input (-) can be read once');
  // Overlays make one stage of one topology: over several files they would mean nothing clear.
  if (flags.overlay?.length && list.length > 1) throw new UsageError('-f merges overlays over one topology: give validate a single FILE with -f');
  const verdicts = list.map((file) => validateOne(file, flags, out));
  const counted = (v: Verdict) => `${described(v.file, flags)}: ${v.verdict}: ${summary(v.diagnostics)}\n`;
  if (oneReport(out)) {
    report(verdicts.flatMap((v) => v.diagnostics), out);
    if (!out.quiet && saysProgress(out)) process.stderr.write(verdicts.map(counted).join(''));
  } else {
    for (const v of verdicts) {
      report(v.diagnostics, out);
      if (!out.quiet) process.stderr.write(counted(v));
    }
  }
  return verdicts.some((v) => v.verdict === 'invalid') ? 1 : 0;
}

type Verdict = { file: string; verdict: string; diagnostics: readonly LocatedDiagnostic[] };

function validateOne(file: string, flags: TargetFlags, out: OutputOptions): Verdict {
  const text = readTopology(file);
  try {
    const analysis = withStrict(flags.strict, () => analyse(text, reportedOptions(file, flags, out)));
    return { file, verdict: `valid for ${parseTargets(flags.targets).join(', ')}`, diagnostics: enforce(analysis.diagnostics, flags.strict) };
  } catch (e) {
    if (!(e instanceof LbgenError)) throw e;
    return { file, verdict: 'invalid', diagnostics: e.diagnostics };
  }
}

export async function render(file: string, flags: TargetFlags & { out: string; stdout?: boolean; verify?: boolean }, out: OutputOptions): Promise<number> {
  const opts = reportedOptions(file, flags, out);
  if (flags.stdout && opts.targets.length !== 1) throw new UsageError('--stdout needs exactly one target (-t nginx, -t haproxy or -t cloudformation)');
  if (flags.stdout && flags.verify) throw new UsageError('--verify checks the written files: use it without --stdout');
  const text = readTopology(file);
  const analysis = withStrict(flags.strict, () => analyse(text, opts));
  // Every diagnostic is known before anything renders (a template error aside): --strict stops here.
  const list = enforce([...analysis.diagnostics, ...templateWarnings(opts)], flags.strict);
  if (flags.stdout) {
    const files = [...renderFiles(analysis, opts)];
    // stdout is the target's own file alone (not prometheus-rules.yaml, which `> nginx.conf` would
    // append to it); diagnostics, JSON ones included, go to stderr.
    report(list, out, process.stderr);
    // The target's main file alone: two YAML templates in one stream would be neither (the NLB's
    // cloudformation-nlb.yaml is written by render to a folder).
    const [main, ...more] = TARGETS[opts.targets[0]!].files.map((f) => f.path);
    const left = files.filter((f) => more.includes(f.path)).map((f) => f.path);
    if (left.length && !out.quiet) process.stderr.write(`not printed: ${left.join(', ')} (render to a folder with -o to write ${left.length === 1 ? 'it' : 'them'})\n`);
    process.stdout.write(files.filter((f) => f.path === main).map((f) => f.text).join(''));
    return 0;
  }
  const paths = await writeFiles(flags.out, (open) => streamFiles(analysis, opts, open), ownedFiles(opts.targets));
  if (oneReport(out)) {
    // One report on stdout (JSON array, SARIF log, annotations): the validators' verdicts join the diagnostics.
    if (!out.quiet && saysProgress(out)) process.stderr.write(`wrote ${paths.map((p) => join(flags.out, p)).join(', ')}\n`);
    const verified = flags.verify ? verify(paths, flags.out) : [];
    report([...list, ...verified.flatMap(verificationDiagnostics)], out);
    return verified.some((r) => r.status === 'failed') ? 1 : 0;
  }
  report(list, out);
  if (!out.quiet) process.stderr.write(`wrote ${paths.map((p) => join(flags.out, p)).join(', ')}\n`);
  return flags.verify ? reportVerification(verify(paths, flags.out), out) : 0;
}

/** A validator's findings as diagnostics at the written file (the line where the finding names one). */
function verificationDiagnostics(r: Verification): LocatedDiagnostic[] {
  const at = (severity: 'error' | 'warning', message: string, line = 1): LocatedDiagnostic => ({ severity, file: r.file, line, column: 1, path: '(output)', pointer: '', message, source: 'verify' });
  if (r.status === 'missing') return [at('warning', `${r.tool} is not installed: not verified`)];
  if (r.status === 'passed') return [];
  const lineOf = (finding: string) => Number(new RegExp(`${escapeRegExp(r.file)}[:\\[ ]*(?:line )?(\\d+)`).exec(finding)?.[1] ?? 1);
  const findings = r.findings.length ? r.findings : [`${r.tool} failed`];
  return findings.map((f) => at('error', f.startsWith(`${r.tool}:`) ? f : `${r.tool}: ${f}`, lineOf(f)));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One line per validator run, its findings under it; exit 1 when any validator rejected a file. */
function reportVerification(results: readonly Verification[], out: OutputOptions): number {
  const c = painter(out.color);
  for (const r of results) {
    const status = r.status === 'passed' ? c.green('passed') : r.status === 'failed' ? c.red('failed') : c.yellow('not run');
    const why = r.status === 'missing' ? ` (${r.tool} is not installed)` : '';
    process.stderr.write(`verify: ${r.file}: ${r.tool} ${status}${why}\n`);
    for (const line of r.findings) process.stderr.write(`  ${line}\n`);
  }
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

export function check(file: string, flags: TargetFlags & { out: string }, out: OutputOptions): number {
  const text = readTopology(file);
  const opts = reportedOptions(file, flags, out);
  const result = withStrict(flags.strict, () => generate(text, opts));
  const list = enforce([...result.diagnostics, ...templateWarnings(opts)], flags.strict);
  const { drift, otherVersions } = findDrift(flags.out, result.files, ownedFiles(opts.targets));
  // Not drift, but said (on stderr, with either format): the next render will rewrite the header.
  if (!out.quiet) {
    for (const o of otherVersions) process.stderr.write(`${join(flags.out, o.path)}: rendered by lbgen ${o.version}, this is ${VERSION}; nothing else differs, not counted as drift\n`);
  }
  if (oneReport(out)) {
    report([...list, ...drift.map((d) => driftDiagnostic(d, flags.out))], out);
    const diff = drift.filter((x) => x.kind === 'changed').map((d) => patch(join(flags.out, d.path), d)).join('');
    // JSON and SARIF: stdout holds the report alone, the diff a reviewer reads goes to stderr.
    // GitHub: the runner reads both streams for commands, stdout in order: the diff follows the
    // annotations there, where no line of it can act as a command.
    if (out.format === 'github') {
      process.stdout.write(githubVerbatim(diff));
      if (!out.quiet) process.stderr.write(checkSummary(drift.length, flags.out, described(file, flags)));
    } else process.stderr.write(diff);
    return drift.length ? 1 : 0;
  }
  report(list, out);
  const c = painter(out.color);
  for (const d of drift) {
    const where = join(flags.out, d.path);
    if (d.kind === 'missing') process.stderr.write(`${c.red('missing')}: ${where} (render would write it)\n`);
    else if (d.kind === 'extra') process.stderr.write(`${c.red('extra')}: ${where} (render would no longer write it)\n`);
    else process.stdout.write(patch(where, d));
  }
  if (!out.quiet) process.stderr.write(checkSummary(drift.length, flags.out, described(file, flags)));
  return drift.length ? 1 : 0;
}

const checkSummary = (drifted: number, dir: string, file: string) =>
  drifted ? `${dir}: ${drifted} file${drifted === 1 ? '' : 's'} drifted from ${file}\n` : `${dir}: up to date with ${file}\n`;

export function explain(file: string, flags: TargetFlags, out: OutputOptions): number {
  // explain describes, it finds nothing: its approximated and unsupported rows are validate's
  // warnings, which `validate --format sarif` reports as results.
  if (out.format === 'sarif') throw new UsageError('explain prints a table, not findings: use lbgen validate --format sarif for its approximated and unsupported features as SARIF results');
  const text = readTopology(file);
  const analysis = analyse(text, options(file, flags, out));
  const rows = explainRows(analysis);
  if (out.format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  // The table quotes the topology's values: in a GitHub log, none of its lines may act as a command.
  else if (out.format === 'github') process.stdout.write(githubVerbatim(explainTable(rows, painter(false))));
  else process.stdout.write(explainTable(rows, painter(out.stdoutColor === true)));
  return 0;
}

export function schema(): number {
  process.stdout.write(`${JSON.stringify(topologySchema(), null, 2)}\n`);
  return 0;
}
