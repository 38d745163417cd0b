/**
 * The hooks of .pre-commit-hooks.yaml (issue 18) run by the real pre-commit as a user's project
 * runs them: a scratch hook repository holding this checkout's .pre-commit-hooks.yaml, cloned by
 * pre-commit from a file:// URL (nothing fetched from the network), and a scratch project that
 * uses it, with lbgen installed in its node_modules as a devDependency would be; `git commit` runs
 * the hooks. A broken topology and a stale render each stop the commit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { packageRoot } from '../src/paths.js';
import { EXAMPLE, lbgen, plainEnv, tempDir } from './helpers/cli.js';
import { requireTool } from './helpers/validators.js';

type Hook = { id: string; entry: string; language: string; files?: string; pass_filenames?: boolean };

test('.pre-commit-hooks.yaml: two hooks, each running the project\'s own lbgen', () => {
  const hooks = yaml.load(readFileSync(join(packageRoot, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];
  assert.deepEqual(hooks.map((h) => [h.id, h.entry, h.language]), [
    ['lbgen-validate', 'npx --no-install lbgen validate', 'system'],
    ['lbgen-check', 'npx --no-install lbgen check --quiet', 'system'],
  ]);
  const topology = new RegExp(hooks[0]!.files!);
  for (const name of ['topology.yaml', 'deploy/topology.yml', 'deploy/prod.topology.yaml', 'stage-topology.yaml']) assert.match(name, topology);
  for (const name of ['.github/workflows/ci.yml', 'docker-compose.yaml', 'mytopology.yaml.bak']) assert.doesNotMatch(name, topology);
  assert.equal(hooks[1]!.pass_filenames, false, 'check takes its topology and folder from args');
});

test('pre-commit runs the hooks on git commit: a valid topology and an up-to-date render pass, an error or drift stops the commit', { skip: requireTool('pre-commit') ?? false }, () => {
  const dir = tempDir('lbgen-pre-commit-');
  const env = { ...plainEnv(), PRE_COMMIT_HOME: join(dir, 'cache'), GIT_CONFIG_NOSYSTEM: '1', HOME: dir, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' } as Record<string, string>;
  const run = (cwd: string, cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const ok = (cwd: string, cmd: string, ...args: string[]) => {
    const r = run(cwd, cmd, args);
    assert.equal(r.code, 0, `${cmd} ${args.join(' ')}:\n${r.out}`);
    return r.out;
  };

  // The hook repository: this checkout's hooks file, committed.
  const hooksRepo = join(dir, 'hooks');
  mkdirSync(hooksRepo);
  ok(hooksRepo, 'git', 'init', '-q');
  copyFileSync(join(packageRoot, '.pre-commit-hooks.yaml'), join(hooksRepo, '.pre-commit-hooks.yaml'));
  ok(hooksRepo, 'git', 'add', '.');
  ok(hooksRepo, 'git', 'commit', '-qm', 'hooks');
  const rev = ok(hooksRepo, 'git', 'rev-parse', 'HEAD').trim();

  // The project: lbgen in node_modules (this checkout, as `npm install -D` of it would link it).
  const project = join(dir, 'project');
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(packageRoot, join(project, 'node_modules', 'lbgen'));
  symlinkSync(join('..', 'lbgen', 'bin', 'lbgen.cjs'), join(project, 'node_modules', '.bin', 'lbgen'));
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'project', private: true, devDependencies: { lbgen: `file:${packageRoot}` } }, null, 2)}\n`);
  writeFileSync(join(project, '.gitignore'), 'node_modules/\n');
  writeFileSync(join(project, '.pre-commit-config.yaml'), [
    'repos:',
    `  - repo: file://${hooksRepo}`,
    `    rev: ${rev}`,
    '    hooks:',
    '      - id: lbgen-validate',
    '      - id: lbgen-check',
    '        args: [topology.yaml, -o, out]',
    '',
  ].join('\n'));
  const reference = readFileSync(EXAMPLE, 'utf8');
  writeFileSync(join(project, 'topology.yaml'), reference);
  ok(project, 'git', 'init', '-q');
  ok(project, 'pre-commit', 'install');
  assert.equal(lbgen(['render', 'topology.yaml', '-o', 'out'], { cwd: project }).code, 0);

  const commit = (message: string) => {
    run(project, 'git', ['add', '-A']);
    return run(project, 'git', ['commit', '-qm', message]);
  };
  const first = commit('a valid topology and its render');
  assert.equal(first.code, 0, first.out);
  assert.match(first.out, /lbgen validate\.+Passed/);
  assert.match(first.out, /lbgen check\.+Passed/);

  // An invalid topology: validate names the place; nothing is committed.
  writeFileSync(join(project, 'topology.yaml'), reference.replace('balance: least-connections', 'balance: fastest'));
  const invalid = commit('an invalid topology');
  assert.notEqual(invalid.code, 0, invalid.out);
  assert.match(invalid.out, /lbgen validate\.+Failed/);
  assert.match(invalid.out, /^topology\.yaml:\d+:\d+: error: pools\.http\.balance: must be one of round-robin, least-connections, source-ip-hash \(got "fastest"\)$/m);

  // A valid change without a new render: check fails with the diff.
  writeFileSync(join(project, 'topology.yaml'), reference.replace('maxConnections: 4096', 'maxConnections: 2048'));
  const drift = commit('a change without its render');
  assert.notEqual(drift.code, 0, drift.out);
  assert.match(drift.out, /lbgen validate\.+Passed/);
  assert.match(drift.out, /lbgen check\.+Failed/);
  assert.match(drift.out, /^-worker_rlimit_nofile \d+;\n\+worker_rlimit_nofile \d+;$/m, 'the diff');
  assert.doesNotMatch(drift.out, /check\.+Failed[^]*warning:/, 'the warnings are validate\'s to say');

  // Rendered again, the same change commits.
  assert.equal(lbgen(['render', 'topology.yaml', '-o', 'out'], { cwd: project }).code, 0);
  const fixed = commit('the change and its render');
  assert.equal(fixed.code, 0, fixed.out);

  // A YAML file that is not a topology is not validated.
  mkdirSync(join(project, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(project, '.github', 'workflows', 'ci.yml'), 'on: push\n');
  const other = commit('a workflow');
  assert.equal(other.code, 0, other.out);
  assert.match(other.out, /lbgen validate\.+\(no files to check\)Skipped/);
});
