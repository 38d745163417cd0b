/**
 * Canary rollouts and per-route traffic shape (issue 17) on both real proxies
 * (test/e2e/checks-canary.ts), and proof that each check fails when the mechanism it covers is
 * taken out of the rendered configuration.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bodyLimit, canaryByAddress, canaryForced, canaryRoutes, canarySplit, eventsUnbuffered, routeTimeouts } from './e2e/checks-canary.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, type Stack, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

type Broken = { breaks: string; mutate: (config: string) => string; check: (s: Stack) => Promise<unknown> };

const MUTATIONS: Record<ProxyName, Broken[]> = {
  nginx: [
    { breaks: 'the split_clients share', mutate: edit(/^(\s*)10% always;/m, '$150% always;'), check: canarySplit },
    { breaks: 'the cookie that keeps a side', mutate: edit(/canary=\(always\|never\)/, 'canary-x=(always|never)'), check: canarySplit },
    { breaks: 'the address as the split key', mutate: edit(/split_clients "\$remote_addr"/, 'split_clients "$request_id"'), check: canaryByAddress },
    { breaks: 'the forcing header', mutate: edit(/^\s*"~\*\^(always|never)\$" \w+;\n/m, ''), check: canaryForced },
    { breaks: 'client_max_body_size in the route', mutate: edit(/^\s*client_max_body_size 1m;\n/m, ''), check: bodyLimit },
    { breaks: 'the route\'s read timeout (the pool\'s instead)', mutate: edit(/proxy_read_timeout 10s;/, 'proxy_read_timeout 1s;'), check: routeTimeouts },
    { breaks: 'proxy_buffering off', mutate: edit(/^\s*proxy_buffering off;\n/m, ''), check: eventsUnbuffered },
  ],
  haproxy: [
    { breaks: 'the hash share', mutate: edit(/mod\(100\) -m int lt 10 /, 'mod(100) -m int lt 50 '), check: canarySplit },
    { breaks: 'the cookie that keeps a side', mutate: edit(/^\s*http-request set-var\(txn\.lbgen_canary\) req\.cook.*\n/m, ''), check: canarySplit },
    { breaks: 'the address as the hash key', mutate: edit(/src,xxh32,mod\(100\)/, 'rand(100)'), check: canaryByAddress },
    { breaks: 'the forcing header', mutate: edit(/^\s*http-request set-var\(txn\.lbgen_canary\) str\(\w+\) if \S+ \{ req\.hdr.*\n/m, ''), check: canaryForced },
    { breaks: 'the 413 on Content-Length', mutate: edit(/^\s*http-request deny deny_status 413 .*\n/m, ''), check: bodyLimit },
    { breaks: 'the route\'s set-timeout', mutate: edit(/^\s*http-request set-timeout .*\n/m, ''), check: routeTimeouts },
  ],
};

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: canary and per-route traffic shape`, { skip: requireTool(proxy) ?? false }, () => {
    let s: Stack;
    before(async () => {
      s = await startStack(proxy, { topology: canaryRoutes });
    });
    after(async () => {
      await s?.stop();
    });
    test('1,000 new clients split within ±3 points of the weight, and each keeps its side over 10 requests by the cookie', { timeout: 120_000 }, async (t) => {
      const r = await canarySplit(s);
      t.diagnostic(`${r.share}% on the canary`);
    });
    test('clients without cookies keep their side by their address', { timeout: 60_000 }, async (t) => {
      const r = await canaryByAddress(s);
      t.diagnostic(`${r.canary} of 100 on the canary`);
    });
    test('the header, then the cookie, force each side', { timeout: 60_000 }, () => canaryForced(s));
    test('a 2 MB body over the route\'s 1m limit gets 413', { timeout: 60_000 }, () => bodyLimit(s));
    test('a route\'s server timeout overrides its pool\'s, both ways', { timeout: 60_000 }, () => routeTimeouts(s));
    test('a server-sent event passes before its answer ends on a route with buffering: false', { timeout: 60_000 }, () => eventsUnbuffered(s));
  });

  describe(`e2e ${proxy}: a broken canary or traffic-shape mechanism fails its check`, { skip: requireTool(proxy) ?? false }, () => {
    for (const m of MUTATIONS[proxy]) {
      test(`without ${m.breaks}`, { timeout: 120_000 }, async (t) => {
        const s = await startStack(proxy, { topology: canaryRoutes, mutate: m.mutate });
        try {
          const failure = await m.check(s).then(() => null, (e: Error) => e.message.split('\n')[0]!);
          assert.ok(failure, `the check still passed with ${m.breaks} broken`);
          t.diagnostic(`detected: ${failure}`);
        } finally {
          await s.stop();
        }
      });
    }
  });
}
