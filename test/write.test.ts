/**
 * The writer's all-or-nothing promise when a rename fails half-way: the files already replaced get
 * their old content back, and nothing new or temporary stays. The second rename is made to fail by
 * a preloaded fault (as an immutable file or a full disk would), through the bundled CLI; so is a
 * write while the files render.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, EXAMPLE, tempDir } from './helpers/cli.js';

test('a rename that fails after another succeeded: exit 2, every file as it was, no temporary or backup left', () => {
  const dir = tempDir();
  const fault = join(dir, 'fault.cjs');
  writeFileSync(fault, [
    "const fs = require('node:fs');",
    'const rename = fs.renameSync;',
    'let calls = 0;',
    "fs.renameSync = (a, b) => { if (++calls === 2) { const e = new Error('EPERM: operation not permitted (injected)'); e.code = 'EPERM'; throw e; } return rename(a, b); };",
  ].join('\n'));
  const out = join(dir, 'out');
  mkdirSync(out);
  writeFileSync(join(out, 'nginx.conf'), 'old nginx\n');
  writeFileSync(join(out, 'haproxy.cfg'), 'old haproxy\n');
  const r = spawnSync(process.execPath, ['--require', fault, BIN, 'render', EXAMPLE, '-t', 'nginx,haproxy,cloudformation', '-o', out, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /cannot write .*haproxy\.cfg: EPERM.*\(the folder is as it was\)/);
  assert.equal(readFileSync(join(out, 'nginx.conf'), 'utf8'), 'old nginx\n', 'nginx.conf, renamed first, has its old content back');
  assert.equal(readFileSync(join(out, 'haproxy.cfg'), 'utf8'), 'old haproxy\n');
  assert.deepEqual(readdirSync(out).sort(), ['haproxy.cfg', 'nginx.conf'], 'no new file (cloudformation-alb.yaml), no temporary, no backup');
});

test('a write that fails while the files render (a full disk): exit 2, every file as it was, no temporary left', () => {
  const dir = tempDir();
  const fault = join(dir, 'fault.cjs');
  // The second write fails: nginx.conf's temporary is written by then, haproxy.cfg's is open.
  writeFileSync(fault, [
    "const fs = require('node:fs');",
    'const write = fs.writeSync;',
    'let calls = 0;',
    "fs.writeSync = (...a) => { if (++calls === 2) { const e = new Error('ENOSPC: no space left on device, write (injected)'); e.code = 'ENOSPC'; throw e; } return write(...a); };",
  ].join('\n'));
  const out = join(dir, 'out');
  mkdirSync(out);
  writeFileSync(join(out, 'nginx.conf'), 'old nginx\n');
  const r = spawnSync(process.execPath, ['--require', fault, BIN, 'render', EXAMPLE, '-t', 'nginx,haproxy', '-o', out, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^lbgen: cannot write to .*: ENOSPC: no space left on device/);
  assert.equal(readFileSync(join(out, 'nginx.conf'), 'utf8'), 'old nginx\n');
  assert.deepEqual(readdirSync(out), ['nginx.conf'], 'no temporary, no new file');
});
