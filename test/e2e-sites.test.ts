/**
 * Issue 17 (sites) on both real proxies (test/e2e/checks-sites.ts): two sites and a wildcard site
 * on one port, each answered by its own pool and given its own certificate by SNI; an unknown
 * Host handled as configured (the default site, or 421 with strictHost). Then proof that each
 * check fails when its mechanism is taken out of the rendered configuration.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN, type SiteCerts, makeSiteCerts, removeSiteCerts, siteCertificates, sitesRouting, withSites } from './e2e/checks-sites.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, type Stack, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

async function on(proxy: ProxyName, strictHost: boolean, run: (s: Stack) => Promise<void>, mutate?: (c: string, certs: SiteCerts) => string): Promise<void> {
  const certs = makeSiteCerts();
  try {
    const s = await startStack(proxy, { topology: withSites(certs, strictHost), ...(mutate ? { mutate: (c: string) => mutate(c, certs) } : {}) });
    try {
      await run(s);
    } finally {
      await s.stop();
    }
  } finally {
    removeSiteCerts(certs);
  }
}

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: sites`, { skip: requireTool(proxy) ?? false }, () => {
    test('each site is answered by its own pool and gets its own certificate; an unknown Host goes to the default site', { timeout: 30_000 }, async () => {
      await on(proxy, false, async (s) => {
        await sitesRouting(s, false);
        await siteCertificates(s);
      });
    });
    test('strictHost: an unknown Host is answered 421 on both ports; the sites are served as before', { timeout: 30_000 }, async () => {
      await on(proxy, true, async (s) => {
        await sitesRouting(s, true);
        await siteCertificates(s);
      });
    });
  });
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('e2e sites: each check fails without its mechanism', () => {
  const nginx = requireTool('nginx') ?? false;
  const haproxy = requireTool('haproxy') ?? false;
  test('nginx: without site admin\'s server_name, its requests go to the default site', { skip: nginx, timeout: 30_000 }, async () => {
    await assert.rejects(on('nginx', false, (s) => sitesRouting(s, false), edit(new RegExp(`server_name ${escaped(ADMIN)};`), 'server_name other.e2e.test;')), /Host admin\.e2e\.test \/only goes to b2/);
  });
  test('nginx: with another site\'s certificate in site admin\'s server, its client gets the wrong one', { skip: nginx, timeout: 30_000 }, async () => {
    const mutate = (c: string, certs: SiteCerts) => edit(new RegExp(escaped(certs.admin.key), 'g'), certs.tenants.key)(edit(new RegExp(escaped(certs.admin.cert), 'g'), certs.tenants.cert)(c));
    await assert.rejects(on('nginx', false, siteCertificates, mutate), /the certificate for SNI admin\.e2e\.test/);
  });
  test('nginx: without the 421 of strictHost, an unknown Host is not refused', { skip: nginx, timeout: 30_000 }, async () => {
    await assert.rejects(on('nginx', true, (s) => sitesRouting(s, true), edit(/return 421;/, 'return 404;')), /unknown Host over HTTPS with strictHost: 404/);
  });
  test('haproxy: without lower-casing Host, a Host in capitals misses its site', { skip: haproxy, timeout: 30_000 }, async () => {
    await assert.rejects(on('haproxy', false, (s) => sitesRouting(s, false), edit(/req\.hdr\(host\),lower,/, 'req.hdr(host),')), /Host ADMIN\.E2E\.test:\d+ \/only/);
  });
  test('haproxy: without the default site\'s exact names first, the wildcard takes them', { skip: haproxy, timeout: 30_000 }, async () => {
    const mutate = edit(/^\s*http-request set-var\(txn\.lbgen_site\) int\(0\) if !\{ var\(txn\.lbgen_site\) -m found \} \{ var\(txn\.lbgen_host\) -m str .*\n/m, '');
    await assert.rejects(on('haproxy', false, (s) => sitesRouting(s, false), mutate), /Host www\.tenants\.e2e\.test \/only goes to b1/);
  });
  test('haproxy: without site admin\'s crt on the bind, its client gets the default certificate', { skip: haproxy, timeout: 30_000 }, async () => {
    const mutate = (c: string, certs: SiteCerts) => edit(new RegExp(` crt ${escaped(certs.admin.bundle)}`, 'g'), '')(c);
    await assert.rejects(on('haproxy', false, siteCertificates, mutate), /the certificate for SNI admin\.e2e\.test/);
  });
  test('haproxy: without the 421 of strictHost, an unknown Host is not refused', { skip: haproxy, timeout: 30_000 }, async () => {
    await assert.rejects(on('haproxy', true, (s) => sitesRouting(s, true), edit(/^\s*http-request return status 421 .*\n/m, '')), /unknown Host over HTTPS with strictHost: (?!421)\d+/);
  });
});
