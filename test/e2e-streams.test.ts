/**
 * streams (issue 16) on the real proxies, loopback only: TCP through both proxies to three servers,
 * UDP through nginx, failover, source stickiness, the PROXY header, the allow-list and the
 * per-client connection limit; then each mechanism broken on purpose must fail its check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allowList, connectionLimit, killedServerLeavesRotation, proxyHeader, sourceStickiness, tcpBalances, udpEchoes } from './e2e/checks-streams.js';
import { STREAM_MUTATIONS } from './e2e/stream-mutations.js';
import { type StreamProxy, type StreamStack, startStreamStack } from './e2e/stream-stack.js';
import { requireTool } from './helpers/validators.js';

const timeout = 30_000;

function suite(proxy: StreamProxy): void {
  describe(`e2e streams ${proxy}`, { skip: requireTool(proxy) ?? false }, () => {
    let s: StreamStack;
    before(async () => {
      s = await startStreamStack(proxy);
    });
    after(() => s?.stop());
    test('TCP round robin: nine connections reach the three servers in turns', { timeout }, async (t) => t.diagnostic(JSON.stringify(await tcpBalances(s))));
    if (proxy === 'nginx') test('UDP: three clients echoed by three servers', { timeout }, async (t) => t.diagnostic((await udpEchoes(s)).join(', ')));
    test('source stickiness: a client address keeps its server, clients spread', { timeout }, async (t) => t.diagnostic(JSON.stringify(await sourceStickiness(s))));
    test(`PROXY header v${proxy === 'haproxy' ? 2 : 1} with the client's address`, { timeout }, async (t) => t.diagnostic(JSON.stringify(await proxyHeader(s))));
    test('allow-list: another client is refused before any server', { timeout }, () => allowList(s));
    test('connectionsPerClient: the extra connection is refused, the others served', { timeout }, () => connectionLimit(s));
    test('a killed server leaves rotation: every new connection succeeds on the others', { timeout }, async (t) => t.diagnostic(JSON.stringify(await killedServerLeavesRotation(s))));
  });

  describe(`e2e streams ${proxy}: a broken mechanism fails its check`, { skip: requireTool(proxy) ?? false }, () => {
    for (const m of STREAM_MUTATIONS.filter((x) => x.proxy === proxy)) {
      test(`without ${m.breaks}`, { timeout: 60_000 }, async (t) => {
        const s = await startStreamStack(proxy, { mutate: m.mutate });
        try {
          let failure: string | null = null;
          try {
            await m.check(s);
          } catch (e) {
            failure = (e as Error).message.split('\n')[0]!;
          }
          assert.ok(failure, `the check still passed with ${m.breaks} broken`);
          t.diagnostic(`detected: ${failure}`);
        } finally {
          await s.stop();
        }
      });
    }
  });
}

suite('nginx');
suite('haproxy');
