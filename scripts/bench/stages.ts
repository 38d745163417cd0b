/**
 * Where the time goes: one render of FILE for nginx and HAProxy in this process, timed per stage
 * through the pipeline's own progress callback (the stages a terminal's progress line names), as
 * `render --quiet` runs it (warnings left out, unplaced), or with `--all` as a run that prints every
 * warning at its place. Prints a JSON object, stage -> milliseconds of wall time. Run by the
 * benchmark in a process of its own, as the CLI runs: `node dist/scripts/bench/stages.js FILE [--all]`.
 *
 * The unbundled build compiles the schema and the templates on first use (the bundle has them
 * precompiled): a render of the reference topology first takes that out of the timings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyse, renderFiles } from '../../src/pipeline.js';
import type { TargetName } from '../../src/targets/target.js';

const targets: TargetName[] = ['nginx', 'haproxy'];

export function stageTimes(file: string, shows: 'all' | 'errors'): Record<string, number> {
  const times: Record<string, number> = {};
  let stage = 'reading the file';
  let since = performance.now();
  const enter = (next: string) => {
    if (next === stage) return;
    const now = performance.now();
    times[stage] = (times[stage] ?? 0) + now - since;
    [stage, since] = [next, now];
  };
  const opts = { file, targets, shows, progress: (s: string) => enter(s) };
  const analysis = analyse(readFileSync(file, 'utf8'), opts);
  for (const f of renderFiles(analysis, opts)) enter(`rendered ${f.path}`);
  enter('done');
  // "rendered X" only ends the stage that rendered X: the gap until the next file is not a stage.
  return Object.fromEntries(Object.entries(times).filter(([k]) => !k.startsWith('rendered ')));
}

if (process.argv[1]?.endsWith('stages.js')) {
  const root = join(new URL('.', import.meta.url).pathname, '..', '..', '..');
  const warm = join(root, 'examples', 'verb-app.yaml');
  const o = { file: warm, targets };
  [...renderFiles(analyse(readFileSync(warm, 'utf8'), o), o)];
  process.stdout.write(`${JSON.stringify(stageTimes(process.argv[2]!, process.argv[3] === '--all' ? 'all' : 'errors'))}\n`);
}
