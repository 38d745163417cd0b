/**
 * A large real topology says each thing once (issue 15): on a generated file with thousands of
 * warnings, text output groups the same message at many places into one line and a count, while
 * --format json still lists every diagnostic at its own line and column, and --strict counts each;
 * long work shows progress on a terminal only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bigTopology, warningTopology } from '../scripts/gen-topology.js';
import { BIN, lbgen, tempDir } from './helpers/cli.js';
import { analyse, renderFiles } from '../src/pipeline.js';
import type { TargetName } from '../src/targets/target.js';

const POOLS = 2000;
// A health check on every pool, cookie stickiness on every fifth, a rate limit on every tenth route.
const input = warningTopology(POOLS, 2);

test('text: 3,001 warnings of 5 kinds are 5 groups, each a line with its first place and a count', () => {
  const r = lbgen(['validate', '-', '-t', 'nginx,haproxy'], { input });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.ok(lines.length <= 12, `${lines.length} lines:\n${r.stderr.slice(0, 2000)}`);
  assert.match(r.stderr, /^<stdin>:\d+:\d+: warning: pools\.p00001\.healthCheck: nginx open source has no active health checks.*\n {2}… and 1,999 more pools: pools\.p00002\.healthCheck, pools\.p00003\.healthCheck, pools\.p00004\.healthCheck, …$/m);
  // A message that names its own pool groups too: the name is the place, not the message.
  assert.match(r.stderr, /warning: pools\.p00005\.balance: .* for pool "p00005"\n {2}… and 399 more pools: pools\.p00010\.balance, /);
  assert.match(r.stderr, /warning: routes\[9\]\.rateLimit: HAProxy .*\n {2}… and 199 more routes: routes\[19\]\.rateLimit, /);
  assert.match(lines.at(-1)!, /^<stdin>: valid for nginx, haproxy: 0 errors, 3,001 warnings \(5 groups\)$/);
});

test('json: every diagnostic with its own line and column', () => {
  const r = lbgen(['validate', '-', '-t', 'nginx,haproxy', '--format', 'json'], { input });
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { path: string; line: number; column: number }[];
  assert.equal(list.length, 3001);
  const health = list.filter((d) => d.path.endsWith('.healthCheck'));
  assert.equal(health.length, POOLS);
  assert.equal(new Set(health.map((d) => `${d.line}:${d.column}`)).size, POOLS, 'each at a place of its own');
});

test('--strict: each warning counts as an error; the summary says how many', () => {
  const r = lbgen(['validate', '-', '-t', 'nginx,haproxy', '--strict'], { input });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error: pools\.p00001\.healthCheck: .*\n {2}… and 1,999 more pools/);
  assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^<stdin>: invalid: 3,001 errors, 0 warnings \(5 groups\)$/);
});

test('one diagnostic, or different ones, are not grouped; --quiet prints no summary', () => {
  const r = lbgen(['validate', '-', '-t', 'nginx'], { input: warningTopology(1, 1) });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /more/);
  assert.match(r.stderr, /valid for nginx: 0 errors, 1 warning$/m);
  assert.equal(lbgen(['validate', '-', '-t', 'nginx', '--quiet'], { input: warningTopology(1, 1) }).stderr, '');
});

test('--quiet: the warnings, not printed, are left out of the analysis; an error keeps its place, --strict and JSON keep every warning', () => {
  const quiet = analyse(input, { file: 't.yaml', targets: ['nginx', 'haproxy'], shows: 'errors' });
  assert.deepEqual(quiet.diagnostics, []);
  assert.equal(analyse(input, { file: 't.yaml', targets: ['nginx', 'haproxy'] }).diagnostics.length, 3001);
  // An error among the warnings (a pool that names no server) is located by a second parse, at its place.
  const broken = input.replace('p00777: { servers: [s', 'p00777: { servers: [nope-');
  assert.notEqual(broken, input);
  const line = broken.split('\n').findIndex((l) => l.includes('[nope-')) + 1;
  const r = lbgen(['render', '-', '-t', 'nginx,haproxy', '-o', join(tempDir(), 'out'), '--quiet'], { input: broken });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^<stdin>:${line}:\\d+: error: pools\\.p00777\\.servers\\[0\\]: .*nope-`, 'm'));
  assert.doesNotMatch(r.stderr, /warning/);
  const strict = lbgen(['validate', '-', '-t', 'nginx,haproxy', '--quiet', '--strict'], { input });
  assert.equal(strict.code, 1);
  assert.match(strict.stderr, /^<stdin>:\d+:\d+: error: pools\.p00001\.healthCheck: .*\n {2}… and 1,999 more pools/m);
  const json = lbgen(['validate', '-', '-t', 'nginx,haproxy', '--quiet', '--format', 'json'], { input });
  assert.equal((JSON.parse(json.stdout) as unknown[]).length, 3001);
});

test('progress on a terminal: stage and share on one line, erased before the result; never in CI, pipes or --quiet', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, bigTopology(1500, 4));
    const command = (flags = '') => `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} render ${JSON.stringify(file)} -t nginx,haproxy -o ${JSON.stringify(join(dir, 'out'))} ${flags}`;
    // Drawn at once here (a real run waits about a second first).
    const env = { ...process.env, LBGEN_PROGRESS_AFTER_MS: '0', CI: '', NO_COLOR: '1' };
    const onTerminal = (flags = '', extra: Record<string, string> = {}) =>
      spawnSync('script', ['-qec', command(flags), '/dev/null'], { encoding: 'utf8', env: { ...env, ...extra } }).stdout;
    const shown = onTerminal();
    assert.match(shown, /\r\u001b\[2Klbgen: reading the YAML \d+%/);
    assert.match(shown, /\r\u001b\[2Klbgen: rendering haproxy\.cfg 50%/);
    // The line is erased before the result is printed, and nothing is drawn after it.
    assert.match(shown, /\r\u001b\[2Kwrote [^\r\n]*nginx\.conf/);
    assert.doesNotMatch(shown.slice(shown.indexOf('wrote ')), /lbgen: /);
    assert.doesNotMatch(onTerminal('', { CI: 'true' }), /lbgen: reading/, 'CI logs');
    assert.doesNotMatch(onTerminal('', { TERM: 'dumb' }), /lbgen: reading/, 'a dumb terminal');
    assert.doesNotMatch(onTerminal('--quiet'), /lbgen: reading/, '--quiet');
    const piped = spawnSync(process.execPath, [BIN, 'render', file, '-t', 'nginx', '-o', join(dir, 'out')], { encoding: 'utf8', env });
    assert.equal(piped.status, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /lbgen: reading/, 'a pipe');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('progress: the share done counts only the files that will be written (no NLB template without streams)', () => {
  const shares: [string, number | undefined][] = [];
  const opts = { file: 'big.yaml', targets: ['nginx', 'cloudformation'] as TargetName[], progress: (stage: string, share?: number) => stage.startsWith('rendering') && shares.push([stage, share]) };
  const files = [...renderFiles(analyse(bigTopology(3, 2), opts), opts)].map((f) => f.path);
  assert.deepEqual(files, ['nginx.conf', 'cloudformation-alb.yaml']);
  assert.deepEqual(shares, [['rendering nginx.conf', 0], ['rendering cloudformation-alb.yaml', 0.5]]);
});
