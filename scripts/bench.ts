/**
 * npm run bench: the performance goals of issues 8 and 15, each as a ratio measured side by side in
 * one run on this machine (absolute times vary between machines). Prints a Markdown report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { bigTopology, warningTopology } from './gen-topology.js';
import { serving } from './bench/serving.js';

const root = join(new URL('.', import.meta.url).pathname, '..', '..');
const bin = join(root, 'bin', 'lbgen.cjs');
const maxrssHook = join(root, 'scripts', 'bench', 'maxrss.cjs');
const work = mkdtempSync(join(tmpdir(), 'lbgen-bench-'));
// The report is what is printed; the generated topologies and outputs go, even after a failure.
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function timed(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: work, stdio: 'ignore' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Peak RSS in MiB, the median of `runs` runs (one run's peak moves by a few hundred KiB). */
function peakMiB(args: string[], runs = 5): number {
  const file = join(work, 'maxrss');
  const peaks: number[] = [];
  for (let i = 0; i < runs; i++) {
    spawnSync(process.execPath, ['--require', maxrssHook, ...args], { cwd: work, stdio: 'ignore', env: { ...process.env, LBGEN_MAXRSS_FILE: file } });
    peaks.push(Number(readFileSync(file, 'utf8')) / 1024);
  }
  return median(peaks);
}

/**
 * Alternate the two commands, so that drift in the machine's load hits both alike: the median time
 * of each, and the median of the ratios b/a of each pair (a run of each, one just after the other).
 * The ratio of a pair cancels a slow minute that hits both; a ratio of two medians does not when
 * the slow runs fall on one side (this machine kind's host steals CPU by the minute).
 */
function alternate(a: string[], b: string[], runs: number): [number, number, number] {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < runs; i++) {
    ta.push(timed(a));
    tb.push(timed(b));
  }
  return [median(ta), median(tb), median(tb.map((t, i) => t / ta[i]!))];
}

const say = (s = '') => process.stdout.write(`${s}\n`);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

say(`# lbgen benchmark`);
say();
say(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; times are medians of alternated runs, ratios the median of each pair's ratio.`);
say();

// 1. Cold start: all three targets, files written, against a bare `node -e ''`.
const example = join(root, 'examples', 'verb-app.yaml');
const render = [bin, 'render', example, '-o', join(work, 'out'), '--quiet'];
timed(render);
const [bare, cold, coldRatio] = alternate(['-e', ''], render, 30);
const coldMem = peakMiB(render, 9);
say('## 1. Cold start');
say(`- \`node -e ''\`: ${bare.toFixed(1)} ms; \`lbgen render examples/verb-app.yaml\` (3 targets): ${cold.toFixed(1)} ms`);
say(`- ratio **${coldRatio.toFixed(2)}×** (goal ≤ 1.5×: ${verdict(coldRatio <= 1.5)}); peak memory **${coldMem.toFixed(1)} MiB** (goal ≤ 50: ${verdict(coldMem <= 50)})`);
say();

// 2. Scale: 1,000 and 10,000 pools × 10 servers, nginx + HAProxy, against a bare js-yaml load of the
//    same file: a file that raises no warning, and one shaped as real large topologies are (issue
//    15: flow style, a health check on every pool, cookie stickiness on every fifth, a rate limit on
//    every tenth route: 14,000 warnings at 10,000 pools).
const loadScript = join(work, 'load.cjs');
writeFileSync(loadScript, `const y = require(${JSON.stringify(join(root, 'node_modules', 'js-yaml'))}); y.load(require('fs').readFileSync(process.argv[2], 'utf8'), { schema: y.CORE_SCHEMA });\n`);
say('## 2. Scale (nginx + HAProxy, `--quiet`)');
const stagesScript = join(root, 'dist', 'scripts', 'bench', 'stages.js');
const whereTimeGoes: { name: string; file: string; bare: number }[] = [];
const kinds = [
  { name: 'without warnings', make: bigTopology },
  { name: 'with warnings', make: warningTopology },
] as const;
for (const kind of kinds) {
  const scale: Record<number, number> = {};
  for (const pools of [1000, 10000]) {
    const file = join(work, `scale-${kind.make.name}-${pools}.yaml`);
    writeFileSync(file, kind.make(pools));
    const args = [bin, 'render', file, '-t', 'nginx,haproxy', '-o', join(work, `scale-out-${pools}`), '--quiet'];
    const [yamlOnly, full, ratio] = alternate([loadScript, file], args, pools > 1000 ? 9 : 11);
    scale[pools] = full;
    const [memYaml, memFull] = [peakMiB([loadScript, file], 3), peakMiB(args, 3)];
    const size = (readFileSync(file).length / 2 ** 20).toFixed(1);
    say(`- ${kind.name}, ${pools} pools (${size} MiB of YAML): js-yaml load ${yamlOnly.toFixed(0)} ms / ${memYaml.toFixed(0)} MiB; lbgen ${full.toFixed(0)} ms / ${memFull.toFixed(0)} MiB: time **${ratio.toFixed(2)}×** (goal ≤ 2.5: ${verdict(ratio <= 2.5)}), memory **${(memFull / memYaml).toFixed(2)}×** (goal ≤ 2.5: ${verdict(memFull / memYaml <= 2.5)})`);
    if (pools === 10000) whereTimeGoes.push({ name: kind.name, file, bare: yamlOnly });
    if (pools === 10000 && kind.make === bigTopology) {
      const [validateNginx, quota, quotaRatio] = alternate([bin, 'validate', file, '-t', 'nginx', '--quiet'], [bin, 'validate', file, '-t', 'cloudformation', '--quiet'], 3);
      say(`- ALB quota error on the same file: ${quota.toFixed(0)} ms, against ${validateNginx.toFixed(0)} ms to validate it for nginx (**${quotaRatio.toFixed(2)}×**)`);
    }
  }
  const growth = scale[10000]! / scale[1000]!;
  say(`- ${kind.name}: growth from 1,000 to 10,000 pools **${growth.toFixed(1)}×** for 10× the pools (goal ≤ 10: ${verdict(growth <= 10)})`);
}
say();

// Where the time goes: each stage of one render in a process of its own (medians of 3 runs), as a
// share of the whole, against the bare load; then what placing every warning adds (a run without
// --quiet records the file's positions in its parse and locates each warning).
say('## Where the time goes (10,000 pools, nginx + HAProxy, `--quiet`, in process, median of 3 runs)');
const stagesOf = (file: string, ...flags: string[]) => {
  const runs = [0, 1, 2].map(() => JSON.parse(spawnSync(process.execPath, [stagesScript, file, ...flags], { encoding: 'utf8' }).stdout) as Record<string, number>);
  return new Map(Object.keys(runs[0]!).map((stage) => [stage, median(runs.map((r) => r[stage] ?? 0))]));
};
const sum = (stages: Map<string, number>) => [...stages.values()].reduce((n, ms) => n + ms, 0);
for (const { name, file, bare } of whereTimeGoes) {
  const stages = stagesOf(file);
  const total = sum(stages);
  say(`- ${name}: ${total.toFixed(0)} ms in all (the bare js-yaml load: ${bare.toFixed(0)} ms with Node's start)`);
  for (const [stage, ms] of stages) say(`  - ${stage}: ${ms.toFixed(0)} ms (${((ms / total) * 100).toFixed(0)}%)`);
  const all = stagesOf(file, '--all');
  const more = (stage: string) => (all.get(stage) ?? 0) - (stages.get(stage) ?? 0);
  say(`  - without --quiet (every warning placed): ${sum(all).toFixed(0)} ms in all; reading the YAML with its positions ${more('reading the YAML') >= 0 ? '+' : ''}${more('reading the YAML').toFixed(0)} ms, locating diagnostics ${all.get('locating diagnostics')!.toFixed(0)} ms`);
}
say();

// 3. Serving: the emitted configs against the same with upstream keep-alive taken away.
say('## 3. Serving (wrk, pinned cores)');
for (const line of await serving(root, work)) say(line);
say();
say(`Command: \`npm run bench\` (${new Date().toISOString().slice(0, 10)}).`);

