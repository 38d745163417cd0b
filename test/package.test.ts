/**
 * The package as a user gets it: an unbuilt checkout packed by npm (its prepack builds the bundle),
 * the tarball installed offline in an empty folder, and every command run through the installed bin.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { plainEnv, tempDir } from './helpers/cli.js';
import { packageRoot } from '../src/paths.js';

/** What a fresh clone holds: everything but what builds, installs and runs make. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', 'build', 'out', '.git']);

function run(cmd: string, args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    // npm and the installed bin's `#!/usr/bin/env node` find this Node first.
    env: { ...plainEnv(), PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...env },
    // A build inside npm pack takes seconds; a hang is a failure, not a stuck suite.
    timeout: 600_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

test('an unbuilt checkout packs, and its tarball installs offline with no dependency and runs every command', () => {
  const work = tempDir('lbgen-pack-');
  const checkout = join(work, 'checkout');
  mkdirSync(checkout);
  for (const entry of readdirSync(packageRoot)) {
    if (!NOT_IN_A_CLONE.has(entry) && !entry.startsWith('.lbgen-tmp')) cpSync(join(packageRoot, entry), join(checkout, entry), { recursive: true });
  }
  // The devDependencies the build needs, as `npm ci` would have put them there.
  symlinkSync(realpathSync(join(packageRoot, 'node_modules')), join(checkout, 'node_modules'));
  // npm's own cache and logs in the test's folder: the install must not need anything cached before.
  const npmEnv = { npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false' };

  const before = run(process.execPath, ['scripts/prepare.mjs', '--check'], checkout);
  assert.equal(before.code, 1);
  assert.match(before.stdout, /build needed: dist\/lbgen\.cjs is missing/);

  const pack = run('npm', ['pack', '--json', '--pack-destination', work], checkout, npmEnv);
  assert.equal(pack.code, 0, pack.all);
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = packed!.files.map((f) => f.path).sort();
  for (const f of ['LICENSE', 'README.md', 'bin/lbgen.cjs', 'dist/lbgen.cjs', 'dist/lbgen.cjs.cache', 'dist/handlebars.cjs', 'dist/viz.cjs', 'dist/THIRD-PARTY-NOTICES.txt', 'schemas/topology.schema.json', 'examples/verb-app.yaml', 'package.json']) {
    assert.ok(files.includes(f), `the package holds ${f}`);
  }
  assert.deepEqual(files.filter((f) => /^(src|test|scripts|dist\/(src|test))\//.test(f)), [], 'no sources or tests in the package');
  // prepack built the bundle; the prepare that npm pack runs after it found it up to date.
  assert.equal(run(process.execPath, ['scripts/prepare.mjs', '--check'], checkout).stdout, 'up to date\n');

  const notices = readFileSync(join(checkout, 'dist', 'THIRD-PARTY-NOTICES.txt'), 'utf8');
  for (const lib of ['ajv', 'chalk', 'commander', 'diff', 'handlebars', 'js-yaml', '@viz-js/viz']) assert.match(notices, new RegExp(`^${lib}@\\S+ \\(`, 'm'), `${lib}'s licence is kept`);
  const manifest = JSON.parse(readFileSync(join(checkout, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined, 'the bundles carry what they run: nothing to install');

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{ "private": true }\n');
  const install = run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, packed!.filename)], app, npmEnv);
  assert.equal(install.code, 0, install.all);
  assert.deepEqual(readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.')), ['lbgen'], 'lbgen alone is installed');

  const bin = join(app, 'node_modules', '.bin', 'lbgen');
  const lbgen = (...args: string[]) => run(bin, args, app);
  const init = lbgen('init');
  assert.equal(init.code, 0, init.all);
  const validate = lbgen('validate', 'topology.yaml', '--strict');
  assert.equal(validate.code, 0, validate.all);
  assert.match(validate.stderr, /topology\.yaml: valid for nginx, haproxy, cloudformation/);
  const render = lbgen('render', 'topology.yaml', '-o', 'out');
  assert.equal(render.code, 0, render.all);
  assert.deepEqual(readdirSync(join(app, 'out')).sort(), ['cloudformation-alb.yaml', 'haproxy.cfg', 'nginx.conf']);
  assert.match(readFileSync(join(app, 'out', 'nginx.conf'), 'utf8'), /upstream verb-app_http/);
  const explain = lbgen('explain', 'topology.yaml', '--format', 'json');
  assert.equal(explain.code, 0, explain.all);
  assert.ok((JSON.parse(explain.stdout) as unknown[]).length > 0, 'explain lists the features');
  assert.equal(lbgen('check', 'topology.yaml', '-o', 'out').code, 0);
  assert.equal(lbgen('schema').stdout, `${JSON.stringify(JSON.parse(readFileSync(join(packageRoot, 'schemas', 'topology.schema.json'), 'utf8')), null, 2)}\n`);

  // --templates loads the Handlebars compiler from its own bundle in the package.
  mkdirSync(join(app, 'mine', 'nginx'), { recursive: true });
  writeFileSync(join(app, 'mine', 'nginx', 'nginx.conf.hbs'), '# mine, shutdown after {{shutdownTimeout}}\n');
  const custom = lbgen('render', 'topology.yaml', '-t', 'nginx', '--stdout', '--templates', 'mine');
  assert.equal(custom.code, 0, custom.all);
  assert.match(custom.stdout, /^# mine, shutdown after \S+\n$/);
  assert.ok(existsSync(join(app, 'node_modules', 'lbgen', 'LICENSE')));

  // graph --format svg loads Graphviz from its own bundle in the package.
  const svg = lbgen('graph', 'topology.yaml', '--format', 'svg');
  assert.equal(svg.code, 0, svg.all);
  assert.match(svg.stdout, /^<\?xml[^]*<svg[^]*<\/svg>\s*$/);
});
