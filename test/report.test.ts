/**
 * A large real topology says each thing once (issue 15): on a generated file with thousands of
 * warnings, text output groups the same message at many places into one line and a count, while
 * --format json still lists every diagnostic at its own line and column, and --strict counts each.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warningTopology } from '../scripts/gen-topology.js';
import { lbgen } from './helpers/cli.js';

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
