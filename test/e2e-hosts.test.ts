/**
 * Issue 13, items 2, 5 and 8 on both real proxies (test/e2e/checks-hosts.ts): the health check's
 * Host with a wildcard among the domains, a raw `%` in a query, a redirect without Host; and proof
 * that each check fails when its mechanism is taken out of the rendered configuration.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WILDCARD, healthCheckHost, onlyWildcards, queryAsSent, redirectWithoutHost, wildcardFirst } from './e2e/checks-hosts.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, type Stack, startStack } from './e2e/stack.js';
import { DOMAIN } from './e2e/topology.js';
import { requireTool } from './helpers/validators.js';

async function on(proxy: ProxyName, topology: (doc: Record<string, unknown>) => void, run: (s: Stack) => Promise<void>, mutate?: (c: string) => string): Promise<void> {
  const s = await startStack(proxy, { topology, ...(mutate ? { mutate } : {}) });
  try {
    await run(s);
  } finally {
    await s.stop();
  }
}

/** The server's first address: the Host of HAProxy's check when no domain is concrete. */
const FIRST_SERVER = '127.0.0.1';

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: hosts and queries`, { skip: requireTool(proxy) ?? false }, () => {
    test(`domains [${WILDCARD}, ${DOMAIN}]: ${proxy === 'haproxy' ? 'servers stay up (the check sends the concrete domain), ' : ''}a request without Host goes to ${DOMAIN}, a query reaches the backend as sent`, { timeout: 30_000 }, async () => {
      await on(proxy, wildcardFirst, async (s) => {
        if (proxy === 'haproxy') await healthCheckHost(s, DOMAIN);
        await redirectWithoutHost(s, DOMAIN);
        await queryAsSent(s);
      });
    });
    test(`domains [${WILDCARD}]: a request without Host is refused (400)${proxy === 'haproxy' ? `; the check sends the first server's address` : ''}`, { timeout: 30_000 }, async () => {
      await on(proxy, onlyWildcards, async (s) => {
        if (proxy === 'haproxy') await healthCheckHost(s, FIRST_SERVER);
        await redirectWithoutHost(s, null);
      });
    });
  });
}

describe('e2e hosts and queries: each check fails without its mechanism', () => {
  test('nginx: without the no-Host return, $host falls back to the wildcard server_name', { skip: requireTool('nginx') ?? false, timeout: 30_000 }, async () => {
    const mutate = edit(/^\s*if \(\$http_host = ""\) \{\n.*\n\s*\}\n/m, '');
    await assert.rejects(on('nginx', wildcardFirst, (s) => redirectWithoutHost(s, DOMAIN), mutate), /https:\/\/\*\.tenants\.e2e\.test:\d+\/some\/page/);
  });
  const skip = requireTool('haproxy') ?? false;
  test('haproxy: a check that sends the wildcard takes every server out (503)', { skip, timeout: 30_000 }, async () => {
    const mutate = edit(/hdr Host e2e\.lbgen\.test$/m, `hdr Host ${WILDCARD}`);
    await assert.rejects(on('haproxy', wildcardFirst, (s) => healthCheckHost(s, DOMAIN), mutate), /\/rr once the checks have run: 503/);
  });
  test('haproxy: without setting the query aside, a raw % in it is answered 400', { skip, timeout: 30_000 }, async () => {
    const mutate = edit(/^\s*http-request set-pathq .*\n/m, '');
    await assert.rejects(on('haproxy', wildcardFirst, queryAsSent, mutate), /GET \/rr\/search\?q=100%: 400/);
  });
  test('haproxy: without the no-Host redirect, Location has no host', { skip, timeout: 30_000 }, async () => {
    const mutate = edit(/^\s*http-request redirect location 'https:\/\/e2e\.lbgen\.test.*\n/m, '');
    await assert.rejects(on('haproxy', wildcardFirst, (s) => redirectWithoutHost(s, DOMAIN), mutate), /https:\/\/:\d+\/some\/page/);
  });
});
