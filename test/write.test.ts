/**
 * The writer's all-or-nothing promise, through the bundled CLI with faults and spies preloaded into
 * it: a rename that fails half-way (the files already replaced get their old content back, and
 * nothing new or temporary stays), a write that fails while the files render, the fsyncs before and
 * after the renames, and a signal (Ctrl-C, SIGTERM) while the files render or are renamed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bigTopology } from '../scripts/gen-topology.js';
import { BIN, EXAMPLE, tempDir } from './helpers/cli.js';

/** A folder holding `out/` with the `old` files, and `old` read back as the folder's whole content. */
function outputFolder(old: Record<string, string>): { dir: string; out: string } {
  const dir = tempDir();
  const out = join(dir, 'out');
  mkdirSync(out);
  for (const [name, text] of Object.entries(old)) writeFileSync(join(out, name), text);
  return { dir, out };
}

/** Every entry of the folder with its bytes: compared whole, a temporary or backup left shows. */
const contents = (out: string) => Object.fromEntries(readdirSync(out).sort().map((n) => [n, readFileSync(join(out, n), 'utf8')]));

/** Render the example for `targets` into a folder holding `old` files, with `preload` (CommonJS lines) loaded into the bundled CLI first. */
function renderWith(preload: string[], targets: string, old: Record<string, string>) {
  const { dir, out } = outputFolder(old);
  const hook = join(dir, 'preload.cjs');
  writeFileSync(hook, preload.join('\n'));
  const r = spawnSync(process.execPath, ['--require', hook, BIN, 'render', EXAMPLE, '-t', targets, '-o', out, '--quiet'], { encoding: 'utf8', env: { ...process.env, PRELOAD_DIR: dir } });
  return { r, out, dir };
}

/**
 * The `nth` call of fs[`fn`] fails with `code` (as an immutable file or a full disk would): a
 * synchronous call throws, fs.write (a callback's) calls back with the error.
 */
function renderWithFault(fn: 'renameSync' | 'write', nth: number, code: string, targets: string, old: Record<string, string>) {
  const fail = fn === 'write' ? 'process.nextTick(a[a.length - 1], e); return;' : 'throw e;';
  return renderWith([
    "const fs = require('node:fs');",
    `const original = fs.${fn};`,
    'let calls = 0;',
    `fs.${fn} = (...a) => { if (++calls === ${nth}) { const e = new Error('${code}: injected'); e.code = '${code}'; ${fail} } return original(...a); };`,
  ], targets, old);
}

test('a rename that fails after another succeeded: exit 2, every file as it was, no temporary or backup left', () => {
  const { r, out } = renderWithFault('renameSync', 2, 'EPERM', 'nginx,haproxy,cloudformation', { 'nginx.conf': 'old nginx\n', 'haproxy.cfg': 'old haproxy\n' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot write .*haproxy\.cfg: EPERM.*\(the folder is as it was\)/);
  assert.equal(readFileSync(join(out, 'nginx.conf'), 'utf8'), 'old nginx\n', 'nginx.conf, renamed first, has its old content back');
  assert.equal(readFileSync(join(out, 'haproxy.cfg'), 'utf8'), 'old haproxy\n');
  assert.deepEqual(readdirSync(out).sort(), ['haproxy.cfg', 'nginx.conf'], 'no new file (cloudformation-alb.yaml), no temporary, no backup');
});

test('a write that fails while the files render (a full disk): exit 2, every file as it was, no temporary left', () => {
  // The second write fails: nginx.conf's temporary is written (or being written) by then, haproxy.cfg's is open.
  const { r, out } = renderWithFault('write', 2, 'ENOSPC', 'nginx,haproxy', { 'nginx.conf': 'old nginx\n' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^lbgen: cannot write to .*: ENOSPC: injected/);
  assert.equal(readFileSync(join(out, 'nginx.conf'), 'utf8'), 'old nginx\n');
  assert.deepEqual(readdirSync(out), ['nginx.conf'], 'no temporary, no new file');
});

test('the temporaries are flushed to the disk before the first rename, the folder after the last', () => {
  // A spy on the writer's file-system calls (fsync cannot be observed otherwise): which file each
  // descriptor is, and the order of fsyncs and renames.
  const { r, out, dir } = renderWith([
    "const fs = require('node:fs');",
    "const { openSync, fsync, fsyncSync, renameSync, writeFileSync } = fs;",
    'const names = new Map(); const log = [];',
    'fs.openSync = (p, ...a) => { const fd = openSync(p, ...a); names.set(fd, String(p)); return fd; };',
    "fs.fsyncSync = (fd) => { log.push(`fsync ${names.get(fd)}`); return fsyncSync(fd); };",
    "fs.fsync = (fd, cb) => fsync(fd, (e) => { log.push(`fsync ${names.get(fd)}`); cb(e); });",
    "fs.renameSync = (a, b) => { log.push(`rename ${a} ${b}`); return renameSync(a, b); };",
    "process.on('exit', () => writeFileSync(`${process.env.PRELOAD_DIR}/calls.log`, log.join('\\n')));",
  ], 'nginx,haproxy', { 'nginx.conf': 'old nginx\n' });
  assert.equal(r.status, 0, r.stderr);
  const log = readFileSync(join(dir, 'calls.log'), 'utf8').split('\n');
  const temp = (name: string) => new RegExp(`^fsync ${out}/\\.lbgen-tmp-\\d+-${name.replace('.', '\\.')}$`);
  const renames = log.flatMap((l, i) => (l.startsWith('rename ') && !l.includes('.lbgen-old-') ? [i] : []));
  assert.equal(renames.length, 2, log.join('\n'));
  for (const name of ['nginx.conf', 'haproxy.cfg']) {
    const at = log.findIndex((l) => temp(name).test(l));
    assert.ok(at >= 0 && at < renames[0]!, `${name}'s temporary is synced before the renames:\n${log.join('\n')}`);
  }
  assert.equal(log.lastIndexOf(`fsync ${out}`) > renames[1]!, true, `the folder is synced after the renames:\n${log.join('\n')}`);
  assert.deepEqual(Object.keys(contents(out)), ['haproxy.cfg', 'nginx.conf']);
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} while the files are renamed: exit ${code}, the renames undone, every file as it was`, () => {
    // The signal arrives as the first file is renamed (a handler could only run once the renames end).
    const old = { 'nginx.conf': 'old nginx\n', 'haproxy.cfg': 'old haproxy\n', 'notes.txt': 'not ours\n' };
    const { r, out } = renderWith([
      "const fs = require('node:fs');",
      'const original = fs.renameSync;',
      'let sent = false;',
      `fs.renameSync = (...a) => { if (!sent) { sent = true; process.kill(process.pid, '${signal}'); } return original(...a); };`,
    ], 'nginx,haproxy,cloudformation', old);
    assert.equal(r.status, code, `${r.stderr} (signal ${r.signal})`);
    assert.equal(r.stderr, `lbgen: interrupted (${signal}): nothing written, ${out} is as it was\n`);
    assert.deepEqual(contents(out), old, 'the old files, no new file, no temporary, no backup');
  });
}

test('SIGINT once the files are in place (while the old contents are removed): exit 130, the new files whole, no backup left', () => {
  const old = { 'nginx.conf': 'old nginx\n', 'haproxy.cfg': 'old haproxy\n' };
  const { r, out } = renderWith([
    "const fs = require('node:fs');",
    'const original = fs.unlink;',
    'let sent = false;',
    "fs.unlink = (...a) => { if (!sent) { sent = true; process.kill(process.pid, 'SIGINT'); } return original(...a); };",
  ], 'nginx,haproxy', old);
  assert.equal(r.status, 130, `${r.stderr} (signal ${r.signal})`);
  assert.equal(r.stderr, `lbgen: interrupted (SIGINT) after ${out} was written: it holds the new files\n`);
  const now = contents(out);
  assert.deepEqual(Object.keys(now), ['haproxy.cfg', 'nginx.conf'], 'no backup, no temporary');
  assert.match(now['nginx.conf']!, /^# Generated by lbgen /);
  assert.match(now['haproxy.cfg']!, /^# Generated by lbgen /);
});

test('Ctrl-C while a large topology renders: exit 130, the output folder byte for byte as it was', async () => {
  const { dir, out } = outputFolder({ 'nginx.conf': 'old nginx\n', 'haproxy.cfg': 'old haproxy\n' });
  const before = contents(out);
  const file = join(dir, 'big.yaml');
  writeFileSync(file, bigTopology(2000));
  const child = spawn(process.execPath, [BIN, 'render', file, '-t', 'nginx,haproxy', '-o', out, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  // Ctrl-C once the first temporary exists: the render is then under way.
  let sawTemporary = false;
  const poll = setInterval(() => {
    if (!readdirSync(out).some((n) => n.startsWith('.lbgen-tmp-'))) return;
    sawTemporary = true;
    clearInterval(poll);
    child.kill('SIGINT');
  }, 2);
  const [status, signal] = await exited;
  clearInterval(poll);
  assert.ok(sawTemporary, `the render ended (exit ${status}) before a temporary was seen: ${stderr}`);
  assert.equal(status, 130, `${stderr} (signal ${signal})`);
  assert.equal(stderr, `lbgen: interrupted (SIGINT): nothing written, ${out} is as it was\n`);
  assert.deepEqual(contents(out), before);
});
