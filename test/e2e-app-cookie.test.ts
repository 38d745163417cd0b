/**
 * Stickiness by the application's cookie on both real proxies (test/e2e/checks-app-cookie.ts), and
 * proof that the check fails when each proxy's mechanism is taken out of the rendered
 * configuration: nginx's map from a server id to that server's upstream, HAProxy's use-server
 * rule per server on the cookie.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP_COOKIE, appCookieFailover, appCookiePool, appCookieStickiness, appCookieUnseen } from './e2e/checks-app-cookie.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, type Stack, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

async function run<T>(proxy: ProxyName, check: (s: Stack) => Promise<T>, mutate?: (c: string) => string): Promise<T> {
  const s = await startStack(proxy, { topology: appCookiePool, ...(mutate ? { mutate } : {}) });
  try {
    return await check(s);
  } finally {
    await s.stop();
  }
}

/** Each proxy without what keeps a client on the server that issued its cookie. */
const UNSTUCK = {
  // Every value goes to the pool's own upstream, balanced, as if no server had been named.
  nginx: edit(/^(\s+"\\\\\w+" e2e_appcookie)\.\w+;/m, '$1;'),
  // No use-server rule on the cookie: every request balanced.
  haproxy: edit(/^\s*use-server \S+ if \{ req\.cook\(verb-server-id\) -m str \S+ \}\n/m, ''),
} as const;

/** nginx's upstream for one server without the pool's other servers as its backups. */
const NO_BACKUPS = edit(/^\s*server \S+ .* backup;\n/m, '');

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: sticky by the application's cookie`, { skip: requireTool(proxy) ?? false }, () => {
    test(`${APP_COOKIE.clients} clients log in, come back over HTTP and a WebSocket, and stay on the server that issued their cookie`, { timeout: 60_000 }, async (t) => {
      const r = await run(proxy, appCookieStickiness);
      t.diagnostic(`logins per server: ${JSON.stringify(r.logins)}`);
    });
    test('without the mechanism in the configuration, the check fails', { timeout: 60_000 }, async () => {
      await assert.rejects(run(proxy, appCookieStickiness, UNSTUCK[proxy]), new RegExp(`\\d+ of ${APP_COOKIE.clients} clients left the server that issued their cookie`));
    });
    test('a cookie the proxy never saw (issued before a reload, or through another balancer) reaches the server it names', { timeout: 30_000 }, async (t) => {
      const r = await run(proxy, appCookieUnseen);
      t.diagnostic(`${r.requests} first requests`);
    });
    test('without the mechanism, a cookie the proxy never saw misses its server', { timeout: 30_000 }, async () => {
      await assert.rejects(run(proxy, appCookieUnseen, UNSTUCK[proxy]), /cookies the proxy never saw missed their server/);
    });
    test('the server that issued a cookie dies: its client is answered by another, which issues its own id, and stays there', { timeout: 30_000 }, async (t) => {
      const r = await run(proxy, appCookieFailover);
      t.diagnostic(`from ${r.from} to ${r.to}`);
    });
    if (proxy === 'nginx') {
      test('without the backups of each server\'s upstream, a dead server\'s client fails', { timeout: 30_000 }, async () => {
        await assert.rejects(run(proxy, appCookieFailover, NO_BACKUPS), /once \w+ is dead: 502/);
      });
    }
  });
}
