/**
 * limits.connectionsPerClient on both real proxies (test/e2e/checks-limits.ts), and proof that the
 * check fails when the per-client limit is taken out of the rendered configuration.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PER_CLIENT, perClientConnections, perClientLimit } from './e2e/checks-limits.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

async function run(proxy: ProxyName, mutate?: (c: string) => string): Promise<{ refused: string }> {
  const s = await startStack(proxy, { topology: perClientLimit, ...(mutate ? { mutate } : {}) });
  try {
    return await perClientConnections(s);
  } finally {
    await s.stop();
  }
}

/** Each proxy's per-client limit, as lbgen renders it. */
const UNLIMITED = {
  nginx: edit(/^\s*limit_conn e2e_perclient \d+;\n/m, ''),
  haproxy: edit(/^\s*tcp-request connection reject if \{ sc0_conn_cur gt \d+ \}\n/m, ''),
} as const;

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: limits.connectionsPerClient`, { skip: requireTool(proxy) ?? false }, () => {
    test(`a client with ${PER_CLIENT} requests in progress is refused one more, another client is not, the first is served once they end`, { timeout: 30_000 }, async (t) => {
      const r = await run(proxy);
      t.diagnostic(`refused with ${r.refused}`);
    });
    test('without the per-client limit in the configuration, the check fails', { timeout: 30_000 }, async () => {
      await assert.rejects(run(proxy, UNLIMITED[proxy]), /request 3 from 127\.0\.0\.5 while 2 are in progress: 200/);
    });
  });
}
