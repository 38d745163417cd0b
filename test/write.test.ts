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

/**
 * Render the example for `targets` into a folder holding `old` files, with the `nth` call of
 * fs[`fn`] failing with `code` (preloaded into the bundled CLI).
 */
function renderWithFault(fn: 'renameSync' | 'writeSync', nth: number, code: string, targets: string, old: Record<string, string>) {
  const dir = tempDir();
  const fault = join(dir, 'fault.cjs');
  writeFileSync(fault, [
    "const fs = require('node:fs');",
    `const original = fs.${fn};`,
    'let calls = 0;',
    `fs.${fn} = (...a) => { if (++calls === ${nth}) { const e = new Error('${code}: injected'); e.code = '${code}'; throw e; } return original(...a); };`,
  ].join('\n'));
  const out = join(dir, 'out');
  mkdirSync(out);
  for (const [name, text] of Object.entries(old)) writeFileSync(join(out, name), text);
  const r = spawnSync(process.execPath, ['--require', fault, BIN, 'render', EXAMPLE, '-t', targets, '-o', out, '--quiet'], { encoding: 'utf8' });
  return { r, out };
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
  // The second write fails: nginx.conf's temporary is written by then, haproxy.cfg's is open.
  const { r, out } = renderWithFault('writeSync', 2, 'ENOSPC', 'nginx,haproxy', { 'nginx.conf': 'old nginx\n' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^lbgen: cannot write to .*: ENOSPC: injected/);
  assert.equal(readFileSync(join(out, 'nginx.conf'), 'utf8'), 'old nginx\n');
  assert.deepEqual(readdirSync(out), ['nginx.conf'], 'no temporary, no new file');
});
