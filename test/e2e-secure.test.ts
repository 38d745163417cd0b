/**
 * Secure by default on the real HAProxy (test/e2e/checks-secure.ts): the worker drops root into
 * the chroot, the runtime API socket drains a server, the stats page is HTTPS-only and loopback-only
 * by default; nginx writes its access log to nginx.accessLog; and each check fails when its lines
 * are taken out of the rendered configuration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { accessLogAtField, defaultStatsAllowFrom, drainThroughAdminSocket, statsHttpsFromLoopbackOnly, workerDropsRoot } from './e2e/checks-secure.js';
import { edit } from './e2e/mutations.js';
import { type Stack, isRoot, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

const timeout = 30_000;
const NOT_ROOT = isRoot ? false : 'not root: HAProxy cannot switch users or chroot, so the stack leaves haproxy.user, group and chroot out';

/** Start a stack (default stats.allowFrom), run one check on it, stop it. */
async function once<T>(check: (s: Stack) => Promise<T> | T, mutate?: (c: string) => string, proxy: 'haproxy' | 'nginx' = 'haproxy'): Promise<T> {
  const s = await startStack(proxy, { topology: defaultStatsAllowFrom, ...(mutate ? { mutate } : {}) });
  try {
    return await check(s);
  } finally {
    await s.stop();
  }
}

describe('e2e haproxy: secure by default', { skip: requireTool('haproxy') ?? false }, () => {
  let s: Stack;
  before(async () => {
    s = await startStack('haproxy', { topology: defaultStatsAllowFrom });
  });
  after(() => s?.stop());

  test('the worker runs as user and group haproxy, chrooted', { timeout, skip: NOT_ROOT }, (t) => {
    const r = workerDropsRoot(s);
    t.diagnostic(`uid ${r.uid}, gid ${r.gid}, root ${r.root}`);
  });
  test('the admin socket (mode 600): drain and maint stop new requests to a server, ready brings it back', { timeout }, () => drainThroughAdminSocket(s));
  test('stats page: no plain HTTP with TLS on; over HTTPS 127.0.0.1 gets in, 127.0.0.3 gets 403 (default allowFrom)', { timeout }, () => statsHttpsFromLoopbackOnly(s));
});

describe('e2e haproxy: secure-by-default checks fail without their lines', { skip: requireTool('haproxy') ?? false }, () => {
  test('without "user haproxy" the worker is root', { timeout, skip: NOT_ROOT }, async () => {
    await assert.rejects(once(workerDropsRoot, edit(/^\s*user haproxy\n/m, '')), /runs as haproxy \(\d+\), with no way back to root/);
  });
  test('without chroot the worker sees /', { timeout, skip: NOT_ROOT }, async () => {
    await assert.rejects(once(workerDropsRoot, edit(/^\s*chroot .*\n/m, '')), /sees \S+ as \//);
  });
  test('an admin socket below admin level cannot drain', { timeout }, async () => {
    await assert.rejects(once(drainThroughAdminSocket, edit(/ level admin$/m, ' level operator')), /state drain: HAProxy answered "Permission denied/);
  });
  test('an admin socket open to everyone fails the check', { timeout }, async () => {
    await assert.rejects(once(drainThroughAdminSocket, edit(/ mode 600 /, ' mode 666 ')), /is read and written by its owner only/);
  });
  test('a stats page without ssl answers plain HTTP', { timeout }, async () => {
    await assert.rejects(once(statsHttpsFromLoopbackOnly, edit(/^(listen \S+\.stats\n\s+bind \S+) ssl crt \S+$/m, '$1')), /plain HTTP to the stats port, with the login: answered 200/);
  });
  test('a stats page without its allow-list answers 127.0.0.3', { timeout }, async () => {
    await assert.rejects(once(statsHttpsFromLoopbackOnly, edit(/^\s*http-request deny deny_status 403 if !stats_allowed.*\n/m, '')), /127\.0\.0\.3 \(outside the default stats\.allowFrom\) with the login: 200/);
  });
});

describe('e2e nginx: nginx.accessLog', { skip: requireTool('nginx') ?? false }, () => {
  test('the access log is written to the file nginx.accessLog names', { timeout }, async (t) => {
    t.diagnostic(await once(accessLogAtField, undefined, 'nginx'));
  });
  test('an access_log elsewhere fails the check', { timeout }, async () => {
    await assert.rejects(once(accessLogAtField, edit(/^( {4}access_log )\/\S+\/access\.log /m, '$1/dev/null '), 'nginx'), /waiting for a line for \?mark=\w+ in \S+ \(nginx\.accessLog\)/);
  });
});
