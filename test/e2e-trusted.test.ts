/**
 * listen.trustedProxies (X-Forwarded-For and the PROXY protocol) and limits.ipv6PrefixLength on
 * both real proxies (test/e2e/checks-trusted.ts), and for each mechanism a mutation of the
 * rendered configuration that makes its check fail.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowFromBehindProxy, behindProxy, clientKeysOnNginx, showClientKey, behindProxyPerClient, behindTcpProxy, forwardedProtoBehindProxy, ipv6PrefixBehindProxy, perClientBehindProxy, proxyProtocolAddress, rateLimitBehindProxy, stickyBehindProxy } from './e2e/checks-trusted.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, type Stack, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

async function on(proxy: ProxyName, topology: (doc: Record<string, unknown>) => void, check: (s: Stack) => Promise<void>, mutate?: (c: string) => string): Promise<void> {
  const s = await startStack(proxy, { topology, ...(mutate ? { mutate } : {}) });
  try {
    await check(s);
  } finally {
    await s.stop();
  }
}

const MUTATIONS: Record<ProxyName, Record<string, (c: string) => string>> = {
  nginx: {
    // X-Forwarded-For is not read: every client behind the proxy is the proxy.
    noRealIp: edit(/^\s*set_real_ip_from .*\n/m, ''),
    // Only the rightmost address is read: a trusted hop is taken for the client.
    notRecursive: edit(/real_ip_recursive on;/, 'real_ip_recursive off;'),
    // Every address trusted: an untrusted peer's header is believed.
    trustEveryone: edit(/set_real_ip_from 127\.0\.0\.1\/32;/, 'set_real_ip_from 127.0.0.0/8;'),
    // Limits per address, not per /64.
    perAddress: edit(/limit_req_zone \$lbgen_client /, 'limit_req_zone $binary_remote_addr '),
    // The connection's own scheme for everyone: the balancer's word is lost.
    ownScheme: edit(/proxy_set_header X-Forwarded-Proto \$lbgen_forwarded_proto;/, 'proxy_set_header X-Forwarded-Proto $scheme;'),
  },
  haproxy: {
    noRealIp: edit(/^\s*http-request set-src hdr_ip.*\n/m, ''),
    notRecursive: edit(/^\s*http-request set-src hdr_ip\(x-forwarded-for,-2\).*\n/m, ''),
    // Hops taken without the count: an entry that is not an address is passed over.
    passOver: edit(/\{ var\(txn\.lbgen_hops\) -m int \d \} /, ''),
    // The restore of an untrusted peer's own address under accept-proxy.
    trustEveryone: edit(/^\s*tcp-request session set-src .*\n/m, ''),
    perAddress: edit(/track-sc1 src,ipmask\(32,64\) /, 'track-sc1 src '),
    ownScheme: edit(/^\s*http-request set-header X-Forwarded-Proto %\[var\(txn\.lbgen_proto\)\].*\n/m, ''),
  },
};

for (const proxy of ['nginx', 'haproxy'] as const) {
  const m = MUTATIONS[proxy];
  describe(`e2e ${proxy}: behind a trusted proxy`, { skip: requireTool(proxy) ?? false }, () => {
    test('X-Forwarded-For from the trusted proxy names the client for allowFrom and the backend; from anyone else it is ignored', { timeout: 30_000 }, async () => {
      await on(proxy, behindProxy, allowFromBehindProxy);
    });
    test('two clients behind the trusted proxy are rate-limited apart; an untrusted peer cannot claim another address', { timeout: 30_000 }, async () => {
      await on(proxy, behindProxy, rateLimitBehindProxy);
    });
    test('IPv6 clients share a rate limit per /64; IPv4 clients stay per address', { timeout: 30_000 }, async () => {
      await on(proxy, behindProxy, ipv6PrefixBehindProxy);
    });
    test('limits.connectionsPerClient counts each client behind the proxy apart (429 beyond)', { timeout: 30_000 }, async () => {
      await on(proxy, behindProxyPerClient, perClientBehindProxy);
    });
    test('sticky by source-ip keeps each client behind the proxy on one server and spreads the clients', { timeout: 30_000 }, async () => {
      await on(proxy, behindProxy, stickyBehindProxy);
    });
    if (proxy === 'nginx') {
      test('the per-client key is the client\'s /64 for IPv6 addresses in any written form', { timeout: 30_000 }, async (t) => {
        await on(proxy, behindProxy, async (s) => t.diagnostic(`${await clientKeysOnNginx(s)} addresses`), showClientKey);
      });
    }
    test('X-Forwarded-Proto from the trusted proxy (http or https) reaches the backend; from anyone else, or anything else, the connection\'s scheme', { timeout: 30_000 }, async () => {
      await on(proxy, behindProxy, forwardedProtoBehindProxy);
    });
    test('mutation: sending the connection\'s own scheme to everyone, the X-Forwarded-Proto check fails', { timeout: 30_000 }, async () => {
      await assert.rejects(on(proxy, behindProxy, forwardedProtoBehindProxy, m.ownScheme!), /from 127\.0\.0\.1 with X-Forwarded-Proto http: the backend was told https, expected http/);
    });
    test('PROXY protocol v1 and v2: the header names the client when the trusted proxy sends it, not otherwise', { timeout: 30_000 }, async () => {
      await on(proxy, behindTcpProxy, proxyProtocolAddress);
    });
    test('mutations: without the realip settings, the allowFrom and rate checks fail', { timeout: 60_000 }, async () => {
      await assert.rejects(on(proxy, behindProxy, allowFromBehindProxy, m.noRealIp!), /127\.0\.0\.3": 200, expected 403/);
      await assert.rejects(on(proxy, behindProxy, rateLimitBehindProxy, m.noRealIp!), /another client behind the same proxy/);
    });
    test('mutations: without the realip settings, the per-client connection and stickiness checks fail', { timeout: 60_000 }, async () => {
      await assert.rejects(on(proxy, behindProxyPerClient, perClientBehindProxy, m.noRealIp!), /another client behind the same proxy meanwhile: 429/);
      await assert.rejects(on(proxy, behindProxy, stickyBehindProxy, m.noRealIp!), /12 clients behind one proxy spread over the pool/);
    });
    test('mutation: reading only the rightmost address, the two-hop case fails', { timeout: 30_000 }, async () => {
      await assert.rejects(on(proxy, behindProxy, allowFromBehindProxy, m.notRecursive!), /"127\.0\.0\.3, 127\.0\.0\.1": 200, expected 403/);
    });
    if (proxy === 'haproxy') {
      test('mutation: walking past an entry that is not an address, the allowFrom check fails', { timeout: 30_000 }, async () => {
        await assert.rejects(on(proxy, behindProxy, allowFromBehindProxy, m.passOver!), /"127\.0\.0\.3, not-an-address": 403, expected 200/);
      });
    }
    test('mutation: counting each IPv6 address apart, the /64 check fails', { timeout: 30_000 }, async () => {
      await assert.rejects(on(proxy, behindProxy, ipv6PrefixBehindProxy, m.perAddress!), /another address of the same \/64/);
    });
    test('mutation: believing an untrusted peer\'s PROXY header, the PROXY check fails', { timeout: 30_000 }, async () => {
      await assert.rejects(on(proxy, behindTcpProxy, proxyProtocolAddress, m.trustEveryone!), /from 127\.0\.0\.3 with a PROXY v1 header naming 127\.0\.0\.2: 200, expected 403/);
    });
  });
}
