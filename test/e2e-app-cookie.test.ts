/**
 * Stickiness by the application's cookie on both real proxies (test/e2e/checks-app-cookie.ts), and
 * proof that the check fails when each proxy's mechanism is taken out of the rendered
 * configuration: nginx's map from a server id to that server's upstream, HAProxy's stick table
 * learning the cookie from the response.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { APP_COOKIE, appCookiePool, appCookieStickiness } from './e2e/checks-app-cookie.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

async function run(proxy: ProxyName, mutate?: (c: string) => string): Promise<{ logins: Record<string, number> }> {
  const s = await startStack(proxy, { topology: appCookiePool, ...(mutate ? { mutate } : {}) });
  try {
    return await appCookieStickiness(s);
  } finally {
    await s.stop();
  }
}

/** Each proxy without what keeps a client on the server that issued its cookie. */
const UNSTUCK = {
  // Every value goes to the pool's own upstream, balanced, as if no server had been named.
  nginx: edit(new RegExp(`^(\\s+"\\\\\\\\\\w+" e2e_${APP_COOKIE.pool})\\.\\w+;`, 'm'), '$1;'),
  // The table never learns which server issued a value.
  haproxy: edit(new RegExp(`^\\s*stick store-response res\\.cook\\(${APP_COOKIE.name}\\)\\n`, 'm'), ''),
} as const;

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: sticky by the application's cookie`, { skip: requireTool(proxy) ?? false }, () => {
    test(`${APP_COOKIE.clients} clients log in, come back over HTTP and a WebSocket, and stay on the server that issued their cookie`, { timeout: 60_000 }, async (t) => {
      const r = await run(proxy);
      t.diagnostic(`logins per server: ${JSON.stringify(r.logins)}`);
    });
    test('without the mechanism in the configuration, the check fails', { timeout: 60_000 }, async () => {
      await assert.rejects(run(proxy, UNSTUCK[proxy]), new RegExp(`\\d+ of ${APP_COOKIE.clients} clients left the server that issued their cookie`));
    });
  });
}
