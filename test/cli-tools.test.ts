/** The CI and editor tools as a user runs them: explain, --templates, --verify, internal errors, determinism. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, EXAMPLE, lbgen, tempDir } from './helpers/cli.js';
import { requireTool } from './helpers/validators.js';

/** Loopback only, no TLS: every validator can accept it on any machine. */
const LOCAL = 'version: 1\nname: ok\nlisten: { address: 127.0.0.1, http: 8080 }\nservers:\n  a: { address: 127.0.0.1, port: 3000 }\npools:\n  web: { servers: [a], healthCheck: { path: /health } }\nroutes:\n  - { path: /, pool: web }\n';

type Row = { feature: string; path: string; pointer: string; line: number | null; targets: Record<string, { outcome: string; note: string }> };

test('explain: a table per feature and target, the same rows as JSON, and render warns exactly where a target is not native', () => {
  const table = lbgen(['explain', EXAMPLE]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^activeHealthCheck {2}pools\.http\.healthCheck \(line 35\)\n {2}nginx +approximated +nginx open source has no active health checks/m);
  // How long a reload may keep old processes (limits.shutdownTimeout, default 5m), on each target.
  assert.match(table.stdout, /^reloads {2}limits \(line \d+\)\n {2}nginx +native +worker_shutdown_timeout 5m: .*\n {2}haproxy +native +hard-stop-after 5m: .*\n {2}cloudformation +native +no reloads: /m);
  const json = lbgen(['explain', EXAMPLE, '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as Row[];
  assert.ok(rows.length > 5);
  for (const r of rows) {
    const where = r.line === null ? 'default' : `line ${r.line}`;
    assert.match(table.stdout, new RegExp(`^${r.feature} {2}${r.path.replace(/[.[\]]/g, '\\$&')} \\(${where}\\)$`, 'm'));
    for (const [target, d] of Object.entries(r.targets)) assert.ok(['native', 'approximated', 'unsupported'].includes(d.outcome), `${r.feature} ${target}: ${d.outcome}`);
  }
  const render = lbgen(['render', EXAMPLE, '-o', tempDir(), '--format', 'json']);
  const warned = (JSON.parse(render.stdout) as { severity: string; message: string; target?: string }[]).filter((d) => d.severity === 'warning' && d.target);
  const gaps = rows.flatMap((r) => Object.entries(r.targets).filter(([, d]) => d.outcome !== 'native').map(([target, d]) => `${target}: ${d.note}`));
  assert.deepEqual([...new Set(warned.map((w) => `${w.target}: ${w.message}`))].sort(), [...new Set(gaps)].sort());
});

test('--templates: a user partial replaces the built-in one with the same view; the other targets are unchanged', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'tpl', 'nginx', 'partials'), { recursive: true });
  writeFileSync(join(dir, 'tpl', 'nginx', 'partials', 'upstream.hbs'), '    upstream {{name}} {\n{{#each servers}}\n        server {{host}}:{{port}}; # ours\n{{/each}}\n    }\n');
  const own = lbgen(['render', EXAMPLE, '-o', join(dir, 'own'), '--templates', join(dir, 'tpl'), '--quiet']);
  assert.equal(own.code, 0, own.stderr);
  const built = lbgen(['render', EXAMPLE, '-o', join(dir, 'built'), '--quiet']);
  assert.equal(built.code, 0, built.stderr);
  const conf = readFileSync(join(dir, 'own', 'nginx.conf'), 'utf8');
  assert.match(conf, /^ {4}upstream verb-app_api \{\n {8}server app1\.example\.com:3000; # ours\n/m);
  assert.doesNotMatch(conf, /zone verb-app_api/, 'the built-in upstream partial is not used');
  for (const f of ['haproxy.cfg', 'cloudformation-alb.yaml']) assert.equal(readFileSync(join(dir, 'own', f), 'utf8'), readFileSync(join(dir, 'built', f), 'utf8'), f);
});

test('--templates: a file or folder that replaces no built-in template is named, with the likely one', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'tpl', 'ngnix'), { recursive: true });
  mkdirSync(join(dir, 'tpl', 'nginx', 'partials'), { recursive: true });
  writeFileSync(join(dir, 'tpl', 'nginx', 'partials', 'upstreams.hbs'), 'x\n');
  const r = lbgen(['render', EXAMPLE, '-t', 'haproxy', '-o', join(dir, 'out'), '--templates', join(dir, 'tpl'), '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const said = (JSON.parse(r.stdout) as { file: string; path: string; suggestion?: string }[]).filter((d) => d.path === '(templates)');
  assert.deepEqual(said.map((d) => [d.file.slice(dir.length), d.suggestion]), [
    ['/tpl/nginx/partials/upstreams.hbs', 'did you mean "upstream.hbs"?'],
    ['/tpl/ngnix', 'did you mean "nginx"?'],
  ]);
  assert.equal(lbgen(['render', EXAMPLE, '-t', 'haproxy', '-o', join(dir, 'out'), '--templates', join(dir, 'tpl'), '--strict', '--quiet']).code, 1, 'an error under --strict');
});

test('--templates: an error in a user template is reported at that template\'s file and line, nothing is written', () => {
  const dir = tempDir();
  const partials = join(dir, 'tpl', 'nginx', 'partials');
  mkdirSync(partials, { recursive: true });
  const file = join(partials, 'upstream.hbs');
  const out = join(dir, 'out');
  writeFileSync(file, '    upstream {{name}} {\n{{#each servers}}\n        server {{hots}};\n{{/each}}\n    }\n');
  const typo = lbgen(['render', EXAMPLE, '-o', out, '--templates', join(dir, 'tpl')]);
  assert.equal(typo.code, 1);
  assert.equal(typo.stderr, `${file}:3:18: error: (template): template: "hots" not defined\n`);
  writeFileSync(file, '    upstream {{name}} {\n{{#each servers}}\n        server {{host};\n{{/each}}\n    }\n');
  const parse = lbgen(['render', EXAMPLE, '-o', out, '--templates', join(dir, 'tpl')]);
  assert.equal(parse.code, 1);
  assert.match(parse.stderr, new RegExp(`^${file.replace(/[.]/g, '\\.')}:3:1: error: \\(template\\): template: Parse error on line 3:`));
  writeFileSync(file, '{{> upstream}}\n');
  const loop = lbgen(['render', EXAMPLE, '-o', out, '--templates', join(dir, 'tpl')]);
  assert.equal(loop.code, 1);
  assert.equal(loop.stderr, `${file}:1:1: error: (template): template: partials call each other without end (the call stack ran out)\n`);
  // Templates have no data frames: an @-variable is refused at its place, with the reason (not a crash when it runs).
  writeFileSync(file, '    upstream {{name}} {\n{{#each servers}}\n        server {{host}}; # {{#if @root.name}}{{@index}}{{/if}}\n{{/each}}\n    }\n');
  const at = lbgen(['render', EXAMPLE, '-o', out, '--templates', join(dir, 'tpl')]);
  assert.equal(at.code, 1);
  assert.equal(at.stderr, `${file}:3:34: error: (template): template: @root.name: templates have no @-variables (they are compiled with data: false); every value a template places is a field of its view (docs/architecture.md)\n`);
  assert.deepEqual(readdirSync(dir).sort(), ['tpl']);
});

test('--templates: an error in the second file, after the first was rendered and is being written: no file changes, no temporary stays, no folder is made', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'tpl', 'haproxy'), { recursive: true });
  writeFileSync(join(dir, 'tpl', 'haproxy', 'haproxy.cfg.hbs'), 'global\n{{nope}}\n');
  const fresh = join(dir, 'new', 'deeper', 'out');
  const r = lbgen(['render', EXAMPLE, '-t', 'nginx,haproxy', '-o', fresh, '--templates', join(dir, 'tpl')]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /haproxy\.cfg\.hbs:2:3: error: \(template\): template: "nope" not defined/);
  assert.deepEqual(readdirSync(dir).sort(), ['tpl'], 'the folders made for the output are gone');
  const existing = join(dir, 'out');
  mkdirSync(existing);
  writeFileSync(join(existing, 'nginx.conf'), 'old nginx\n');
  assert.equal(lbgen(['render', EXAMPLE, '-t', 'nginx,haproxy', '-o', existing, '--templates', join(dir, 'tpl')]).code, 1);
  assert.deepEqual(readdirSync(existing), ['nginx.conf'], 'no temporary left');
  assert.equal(readFileSync(join(existing, 'nginx.conf'), 'utf8'), 'old nginx\n');
});

test('--verify: the installed validators accept the written files', { skip: requireTool('nginx') ?? requireTool('haproxy') ?? requireTool('cfn-lint') ?? false }, () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'ok.yaml'), LOCAL);
  const r = lbgen(['render', 'ok.yaml', '-o', 'out', '--verify', '--quiet'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, [
    'verify: out/nginx.conf: nginx passed',
    'verify: out/haproxy.cfg: haproxy passed',
    'verify: out/cloudformation-alb.yaml: cfn-lint passed',
    '',
  ].join('\n'));
});

test('--verify: a validator\'s finding is shown at the written file and line, exit 1', { skip: requireTool('haproxy') ?? false }, () => {
  const dir = tempDir();
  const missing = join(dir, 'no-such.pem');
  writeFileSync(join(dir, 't.yaml'), LOCAL.replace('http: 8080 }', 'http: 8080, https: 8443 }').replace('servers:\n', `tls: { certificate: ${missing}, key: ${missing}, bundle: ${missing} }\nservers:\n`));
  const r = lbgen(['render', 't.yaml', '-o', 'out', '-t', 'haproxy', '--verify', '--quiet'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  const line = readFileSync(join(dir, 'out', 'haproxy.cfg'), 'utf8').split('\n').findIndex((l) => l.includes(`crt ${missing}`)) + 1;
  assert.ok(line > 0);
  assert.match(r.stderr, /^verify: out\/haproxy\.cfg: haproxy failed\n/);
  assert.match(r.stderr, new RegExp(`\\[ALERT\\].*parsing \\[out/haproxy\\.cfg:${line}\\].*unable to stat SSL certificate`));
  assert.doesNotMatch(r.stderr, /haproxy version is|lbgen-verify-/, 'no banner, no sandbox path');
});

test('--verify with --format json: the findings join the one JSON array, at the written file and line', { skip: requireTool('haproxy') ?? false }, () => {
  const dir = tempDir();
  const missing = join(dir, 'no-such.pem');
  writeFileSync(join(dir, 't.yaml'), LOCAL.replace('http: 8080 }', 'http: 8080, https: 8443 }').replace('servers:\n', `tls: { certificate: ${missing}, key: ${missing}, bundle: ${missing} }\nservers:\n`));
  const r = lbgen(['render', 't.yaml', '-o', 'out', '-t', 'haproxy', '--verify', '--format', 'json'], { cwd: dir });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, '');
  const line = readFileSync(join(dir, 'out', 'haproxy.cfg'), 'utf8').split('\n').findIndex((l) => l.includes(`crt ${missing}`)) + 1;
  const found = (JSON.parse(r.stdout) as { severity: string; file: string; line: number; message: string }[]).filter((d) => d.file === 'out/haproxy.cfg');
  assert.ok(found.some((d) => d.severity === 'error' && d.line === line && /^haproxy: \[ALERT\].*unable to stat SSL certificate/.test(d.message)), JSON.stringify(found, null, 1));
  assert.equal(lbgen(['render', 't.yaml', '-t', 'haproxy', '--stdout', '--verify'], { cwd: dir }).code, 2, '--verify needs written files');
});

test('--verify: a validator that is not installed is named, not silently skipped', () => {
  const dir = tempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync('/bin/sh', join(bin, 'sh'));
  writeFileSync(join(dir, 'ok.yaml'), LOCAL);
  const r = lbgen(['render', 'ok.yaml', '-o', 'out', '-t', 'nginx,haproxy', '--verify', '--quiet'], { cwd: dir, env: { PATH: bin } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'verify: out/nginx.conf: nginx not run (nginx is not installed)\nverify: out/haproxy.cfg: haproxy not run (haproxy is not installed)\n');
});

test('an unexpected failure is one line and exit 70; the stack only with --debug; nothing is left behind', () => {
  const dir = tempDir();
  // A fault no code path expects: looking for a stale output throws a plain Error (after the
  // renames, when the writer removes files these targets no longer write).
  const fault = join(dir, 'fault.cjs');
  writeFileSync(fault, "const fs = require('node:fs'); const exists = fs.existsSync; fs.existsSync = (p) => { if (String(p).endsWith('prometheus-rules.yaml')) throw new Error('injected fault'); return exists(p); };\n");
  const run = (...flags: string[]) => spawnSync(process.execPath, ['--require', fault, BIN, 'render', EXAMPLE, '-t', 'nginx', '-o', join(dir, 'out'), '--quiet', ...flags], { encoding: 'utf8' });
  const plain = run();
  assert.equal(plain.status, 70);
  assert.equal(plain.stderr, 'lbgen: internal error: injected fault (a bug: please report it; --debug shows the stack)\n');
  assert.deepEqual(readdirSync(join(dir, 'out')), ['nginx.conf'], 'the renamed file, no temporary left behind');
  const debug = run('--debug');
  assert.equal(debug.status, 70);
  assert.match(debug.stderr, /^Error: injected fault\n\s+at /);
});

test('byte-identical output whatever the time zone and locale', () => {
  const dir = tempDir();
  const render = (name: string, env: Record<string, string>) => {
    const r = lbgen(['render', EXAMPLE, '-o', join(dir, name), '--quiet'], { env });
    assert.equal(r.code, 0, r.stderr);
    return readdirSync(join(dir, name)).sort().map((f) => [f, readFileSync(join(dir, name, f), 'utf8')]);
  };
  const utc = render('utc', { TZ: 'UTC', LC_ALL: 'C', LANG: 'C' });
  assert.deepEqual(render('elsewhere', { TZ: 'Pacific/Chatham', LC_ALL: 'tr_TR.UTF-8', LANG: 'tr_TR.UTF-8' }), utc);
  assert.deepEqual(render('again', { TZ: 'America/St_Johns', LC_ALL: 'de_DE.UTF-8', LANG: 'de_DE.UTF-8' }), utc);
});
