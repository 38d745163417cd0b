/**
 * Issue 13's production hazards on both real proxies (test/e2e/checks-hazards.ts), each with the
 * mutation of the rendered configuration that makes its check fail again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hazardsTopology, refusedConnectionRetried, slowRequestRunsOnce } from './e2e/checks-hazards.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, type Stack, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

const timeout = 30_000;

async function withStack<T>(proxy: ProxyName, mutate: (c: string) => string, check: (s: Stack) => Promise<T>): Promise<T> {
  const s = await startStack(proxy, { topology: hazardsTopology, mutate });
  try {
    return await check(s);
  } finally {
    await s.stop();
  }
}

/** What puts each hazard back, per proxy. */
const MUTATIONS = {
  retriedTimeout: {
    nginx: edit(/^(\s*proxy_next_upstream) error;$/m, '$1 error timeout;'),
    haproxy: edit(/^(\s*retry-on conn-failure empty-response)$/m, '$1 response-timeout'),
  },
} as const;

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: production hazards`, { skip: requireTool(proxy) ?? false }, () => {
    let s: Stack;
    before(async () => {
      s = await startStack(proxy, { topology: hazardsTopology });
    });
    after(() => s?.stop());

    test('a GET or POST that outlasts timeouts.server runs on one server; the 504 comes within the timeout', { timeout }, async (t) => {
      for (const [method, r] of Object.entries(await slowRequestRunsOnce(s))) t.diagnostic(`${method}: ${r}`);
    });
    test('a server that refuses connections is skipped for GET and POST', { timeout }, () => refusedConnectionRetried(s));
  });

  describe(`e2e ${proxy}: production hazards, mutated`, { skip: requireTool(proxy) ?? false }, () => {
    test('a timeout retried on the next server fails the slow-request check', { timeout }, async () => {
      await assert.rejects(withStack(proxy, MUTATIONS.retriedTimeout[proxy], slowRequestRunsOnce), /a GET that works \d+ ms behind timeouts\.server \d+ ms ran on [2-9] servers/);
    });
  });
}
