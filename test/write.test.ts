/**
 * The writer's all-or-nothing promise when a rename fails half-way: the files already replaced get
 * their old content back. A rename is made to fail with an immutable file (chattr +i, root on a
 * file system that has the attribute); elsewhere the test is skipped, saying why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../src/diagnostics.js';
import { writeFiles } from '../src/write.js';

const dir = mkdtempSync(join(tmpdir(), 'lbgen-write-'));
writeFileSync(join(dir, 'a.conf'), 'old a\n');
writeFileSync(join(dir, 'b.conf'), 'old b\n');
const locked = spawnSync('chattr', ['+i', join(dir, 'b.conf')]).status === 0;

test('a rename that fails after another succeeded: every file as it was, no temporary left', { skip: locked ? false : 'chattr +i is not available here' }, () => {
  try {
    assert.throws(() => writeFiles(dir, [{ path: 'a.conf', text: 'new a\n' }, { path: 'b.conf', text: 'new b\n' }, { path: 'c.conf', text: 'new c\n' }]), (e: unknown) => e instanceof UsageError && /b\.conf.*the folder is as it was/.test(e.message));
    assert.equal(readFileSync(join(dir, 'a.conf'), 'utf8'), 'old a\n', 'a.conf back to its old content');
    assert.equal(readFileSync(join(dir, 'b.conf'), 'utf8'), 'old b\n');
    assert.deepEqual(readdirSync(dir).sort(), ['a.conf', 'b.conf'], 'no new file, no temporary, no backup');
  } finally {
    spawnSync('chattr', ['-i', join(dir, 'b.conf')]);
  }
});
