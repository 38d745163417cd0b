import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { LbgenError, type LocatedDiagnostic, UsageError, isError } from '../diagnostics.js';
import { label, readTopology } from '../input/read.js';
import { packageRoot } from '../paths.js';
import { analyse, generate, type Options, renderFiles, streamFiles } from '../pipeline.js';
import { type OutputOptions, painter, report, strictly, summary } from './report.js';
import { TARGETS, TARGET_NAMES } from '../targets/index.js';
import type { TargetName } from '../targets/target.js';
import { topologySchema } from '../check/schema.js';
import { driftDiagnostic, findDrift, ownedFiles, patch } from '../output/drift.js';
import { writeFiles } from '../output/write.js';
import { explainRows, explainTable } from './explain.js';
import { unusedTemplates } from '../render/handlebars.js';
import { type Verification, verify } from '../output/verify.js';
import { VERSION } from '../version.js';

/** `targets`: each -t given, in order (absent: all three). */
type TargetFlags = { targets?: string[]; strict?: boolean; templates?: string };


export function parseTargets(given: readonly string[] | undefined): TargetName[] {
  if (given === undefined) return [...TARGET_NAMES];
  const names = given.join(',').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(TARGET_NAMES as string[]).includes(n));
  if (unknown.length || names.length === 0) throw new UsageError(`unknown target ${unknown.map((n) => `"${n}"`).join(', ') || '(none)'}: expected ${TARGET_NAMES.join(', ')}`);
  return TARGET_NAMES.filter((n) => names.includes(n));
}

function options(file: string, flags: TargetFlags, out?: OutputOptions): Options {
  if (flags.templates !== undefined && !(existsSync(flags.templates) && statSync(flags.templates).isDirectory())) {
    throw new UsageError(`--templates ${flags.templates} is not a folder`);
  }
  return {
    file: label(file),
    targets: parseTargets(flags.targets),
    ...(flags.templates !== undefined ? { templates: resolve(flags.templates) } : {}),
    ...(out?.progress ? { progress: out.progress.tick } : {}),
  };
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
  if (file === '-') {
    // As `validate -` reads standard input, `init -` writes to standard output.
    process.stdout.write(readFileSync(join(packageRoot, 'examples', 'verb-app.yaml'), 'utf8'));
    return 0;
  }
  if (existsSync(file) && !flags.force) throw new UsageError(`${file} exists: use --force to overwrite it`);
  // The example's first lines point at the schema and name the file from the repository's root:
  // point them from where the new file is instead, so that an editor finds the schema there too.
  const schema = relative(dirname(resolve(file)), join(packageRoot, 'schemas', 'topology.schema.json')).split(sep).join('/');
  const text = readFileSync(join(packageRoot, 'examples', 'verb-app.yaml'), 'utf8')
    .replace(/^(# yaml-language-server: \$schema=).*$/m, `$1${schema}`)
    .replace(/(Render it with: lbgen render ).*$/m, `$1${file}`);
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new UsageError(`cannot write ${file}: ${(e as Error).message}`);
  }
  if (!out.quiet && out.format === 'text') process.stderr.write(`wrote ${file}: edit it, then run lbgen validate ${file}\n`);
  if (out.format === 'json') report([], out);
  return 0;
}

/** Every problem, then (as text) one line that counts them: errors, warnings and the groups shown. */
export function validate(file: string, flags: TargetFlags, out: OutputOptions): number {
  const text = readTopology(file);
  const said = (list: readonly LocatedDiagnostic[], verdict: string) => {
    report(list, out);
    if (!out.quiet && out.format === 'text') process.stderr.write(`${label(file)}: ${verdict}: ${summary(list)}\n`);
  };
  try {
    const analysis = withStrict(flags.strict, () => analyse(text, options(file, flags, out)));
    said(enforce(analysis.diagnostics, flags.strict), `valid for ${parseTargets(flags.targets).join(', ')}`);
    return 0;
  } catch (e) {
    if (!(e instanceof LbgenError)) throw e;
    said(e.diagnostics, 'invalid');
    return 1;
  }
}

export async function render(file: string, flags: TargetFlags & { out: string; stdout?: boolean; verify?: boolean }, out: OutputOptions): Promise<number> {
  const opts = options(file, flags, out);
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
  if (out.format === 'json') {
    // One JSON array on stdout: the validators' verdicts join the diagnostics.
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
  const at = (severity: 'error' | 'warning', message: string, line = 1): LocatedDiagnostic => ({ severity, file: r.file, line, column: 1, path: '(output)', pointer: '', message });
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
  const opts = options(file, flags, out);
  const result = withStrict(flags.strict, () => generate(text, opts));
  const list = enforce([...result.diagnostics, ...templateWarnings(opts)], flags.strict);
  const { drift, otherVersions } = findDrift(flags.out, result.files, ownedFiles(opts.targets));
  // Not drift, but said (on stderr, with either format): the next render will rewrite the header.
  if (!out.quiet) {
    for (const o of otherVersions) process.stderr.write(`${join(flags.out, o.path)}: rendered by lbgen ${o.version}, this is ${VERSION}; nothing else differs, not counted as drift\n`);
  }
  if (out.format === 'json') {
    report([...list, ...drift.map((d) => driftDiagnostic(d, flags.out))], out);
    // stdout holds the JSON array alone: the diff a reviewer reads goes to stderr.
    for (const d of drift.filter((x) => x.kind === 'changed')) process.stderr.write(patch(join(flags.out, d.path), d));
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
  if (!out.quiet) {
    process.stderr.write(drift.length ? `${flags.out}: ${drift.length} file${drift.length === 1 ? '' : 's'} drifted from ${file}\n` : `${flags.out}: up to date with ${file}\n`);
  }
  return drift.length ? 1 : 0;
}

export function explain(file: string, flags: TargetFlags, out: OutputOptions): number {
  const text = readTopology(file);
  const analysis = analyse(text, options(file, flags, out));
  const rows = explainRows(analysis);
  if (out.format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else process.stdout.write(explainTable(rows, painter(out.stdoutColor === true)));
  return 0;
}

export function schema(): number {
  process.stdout.write(`${JSON.stringify(topologySchema(), null, 2)}\n`);
  return 0;
}
