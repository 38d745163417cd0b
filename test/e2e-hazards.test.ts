/**
 * Issue 13's production hazards on both real proxies (test/e2e/checks-hazards.ts), each with the
 * mutation of the rendered configuration that makes its check fail again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SHUTDOWN_MS, failedConnectionsRetried, hazardsTopology, reloadEndsOldProcesses, requestHeadLimits, slowRequestRunsOnce, stickinessThroughReload } from './e2e/checks-hazards.js';
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
    nginx: edit(/^\s*proxy_next_upstream_timeout .*\n/m, ''),
    haproxy: edit(/^(\s*retry-on conn-failure empty-response)$/m, '$1 response-timeout'),
  },
  /** A timed-out connection no longer retried. */
  connectTimeout: {
    nginx: edit(/^(\s*proxy_next_upstream) error timeout;$/m, '$1 error;'),
    haproxy: edit(/^(\s*retry-on) conn-failure (empty-response)$/m, '$1 $2'),
  },
  shutdown: {
    nginx: edit(/^worker_shutdown_timeout .*\n/m, ''),
    haproxy: edit(/^\s*hard-stop-after .*\n/m, ''),
  },
  /** HAProxy: new clients of a source-sticky pool balanced round robin, with the table alone to keep them (a reload empties it). */
  tableAlone: edit(/^(\s*)balance source\n\s*hash-type consistent\n(\s*stick-table type ipv6 )/m, '$1balance roundrobin\n$2'),
  /** Each limit of the request head taken out, with the failure it must cause. */
  headLimits: {
    nginx: [{ without: 'large_client_header_buffers', mutate: edit(/^\s*large_client_header_buffers .*\n/m, ''), fails: /a 10 KB Cookie: 400/ }],
    haproxy: [
      { without: 'tune.bufsize', mutate: edit(/^\s*tune\.bufsize .*\n/m, ''), fails: /four headers of 15 KB \(60 KB in all\): 400/ },
      { without: 'the 16 KB header check', mutate: edit(/^\s*http-request deny deny_status 400 if \{ req\.hdrs .*\n/m, ''), fails: /a 20 KB header: 200/ },
      { without: 'the 16 KB request-line check', mutate: edit(/^\s*http-request return status 414 .*\n/m, ''), fails: /a 17 KB URL: 200/ },
    ],
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
    test('a connection that times out or is refused is retried on another server, for GET and POST', { timeout }, async (t) => {
      t.diagnostic(await failedConnectionsRetried(s));
    });
    test('request heads as the ALB\'s: a 10 KB Cookie and 60 KB of headers pass, a 20 KB header gets 400, a 17 KB URL 414', { timeout }, () => requestHeadLimits(s));
    // Last: the reload replaces the proxy's processes (HAProxy's new one is stopped by the check).
    test(`a reload with a WebSocket open: the old ${proxy === 'nginx' ? 'workers are' : 'process is'} gone within limits.shutdownTimeout (${SHUTDOWN_MS} ms)`, { timeout }, async (t) => {
      t.diagnostic(await reloadEndsOldProcesses(s));
    });
  });

  describe(`e2e ${proxy}: source-IP stickiness through a reload`, { skip: requireTool(proxy) ?? false }, () => {
    test('each of many clients sticky by source-ip keeps its server after the proxy reloads', { timeout }, async (t) => {
      const r = await withStack(proxy, (c) => c, stickinessThroughReload);
      t.diagnostic(`${r.clients} clients over ${r.servers} servers`);
    });
    if (proxy === 'haproxy') {
      test('with the stickiness table alone (round robin for new clients), clients move after a reload', { timeout }, async () => {
        await assert.rejects(withStack(proxy, MUTATIONS.tableAlone, stickinessThroughReload), /clients moved to another server after a reload/);
      });
    }
  });

  describe(`e2e ${proxy}: production hazards, mutated`, { skip: requireTool(proxy) ?? false }, () => {
    test('a response timeout retried on the next server fails the slow-request check', { timeout }, async () => {
      await assert.rejects(withStack(proxy, MUTATIONS.retriedTimeout[proxy], slowRequestRunsOnce), /a GET that works \d+ ms behind timeouts\.server \d+ ms ran on [2-9] servers/);
    });
    test('a connection timeout not retried fails the failed-connection check', { timeout }, async () => {
      await assert.rejects(withStack(proxy, MUTATIONS.connectTimeout[proxy], failedConnectionsRetried), /with b1 not answering connections: 50[234]/);
    });
    test(`without ${proxy === 'nginx' ? 'worker_shutdown_timeout' : 'hard-stop-after'} the tunnel keeps the old ${proxy} process after a reload`, { timeout }, async () => {
      await assert.rejects(withStack(proxy, MUTATIONS.shutdown[proxy], reloadEndsOldProcesses), /still running \d+ ms after the reload/);
    });
    for (const m of MUTATIONS.headLimits[proxy]) {
      test(`without ${m.without} the request-head check fails`, { timeout }, async () => {
        await assert.rejects(withStack(proxy, m.mutate, requestHeadLimits), m.fails);
      });
    }
  });
}
