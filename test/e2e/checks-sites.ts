/**
 * Issue 17, items 1, 2 and 5 (sites): on one HTTP and one HTTPS port, the default site (DOMAIN and
 * an exact name under the tenants' wildcard), site admin (its own certificate) and the wildcard
 * site tenants (its own wildcard certificate) are each answered by a pool of one backend of their
 * own; an unknown Host goes to the default site, or is answered 421 with strictHost. Each HTTPS
 * client asks for its site by SNI and gets that site's certificate.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { request } from './client.js';
import { idOf } from './expect.js';
import type { Stack } from './stack.js';
import { DOMAIN, HEALTH } from './topology.js';

export const ADMIN = 'admin.e2e.test';
export const TENANTS = '*.tenants.e2e.test';
/** A default-site domain the tenants' wildcard also covers: the exact name must win. */
export const EXACT_UNDER_WILDCARD = 'www.tenants.e2e.test';
/** The default site's own route, on a path every other site leaves to its "/". */
export const ONLY = '/only';
/** Which backend answers each site: its pool has that one server. */
export const SITE_BACKEND = { default: 'b1', admin: 'b2', tenants: 'b3' } as const;

export type SiteCerts = { dir: string; admin: { cert: string; key: string; bundle: string }; tenants: { cert: string; key: string; bundle: string } };

/** A self-signed certificate per site, its name as subject CN and subjectAltName (HAProxy picks by those). */
export function makeSiteCerts(): SiteCerts {
  const dir = mkdtempSync(join(tmpdir(), 'lbgen-e2e-sites-'));
  const one = (file: string, name: string) => {
    const cert = join(dir, `${file}.crt`);
    const key = join(dir, `${file}.key`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
      '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'ignore' });
    const bundle = join(dir, `${file}.pem`);
    writeFileSync(bundle, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
    return { cert, key, bundle };
  };
  return { dir, admin: one('admin', ADMIN), tenants: one('tenants', TENANTS) };
}

export const removeSiteCerts = (c: SiteCerts): void => rmSync(c.dir, { recursive: true, force: true });

/** The e2e topology plus a pool per site and sites admin and tenants; strictHost as asked. */
export function withSites(certs: SiteCerts, strictHost: boolean): (doc: Record<string, unknown>) => void {
  return (doc) => {
    const healthCheck = { path: '/health', interval: `${HEALTH.intervalMs}ms`, rise: HEALTH.rise, fall: HEALTH.fall };
    doc.domains = [DOMAIN, EXACT_UNDER_WILDCARD];
    if (strictHost) doc.strictHost = true;
    const pools = doc.pools as Record<string, unknown>;
    for (const [site, backend] of Object.entries(SITE_BACKEND)) pools[`site-${site}`] = { servers: [backend], healthCheck };
    (doc.routes as unknown[]).push({ path: ONLY, pool: 'site-default' });
    doc.sites = {
      admin: { domains: [ADMIN], tls: { certificate: certs.admin.cert, key: certs.admin.key, bundle: certs.admin.bundle }, routes: [{ path: '/', pool: 'site-admin' }] },
      tenants: { domains: [TENANTS], tls: { certificate: certs.tenants.cert, key: certs.tenants.key, bundle: certs.tenants.bundle }, routes: [{ path: '/', pool: 'site-tenants' }] },
    };
  };
}

/** An HTTPS request for `host` (SNI and Host alike; Host may carry a port, capitals or a trailing dot). */
const get = (s: Stack, host: string, path: string, sni = host.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase()) =>
  request({ port: s.ports.https, path, headers: { host }, servername: sni });

/**
 * Each site is answered by its own pool, whatever path: admin's and tenants' "/" take the default
 * site's /only; an exact default-site name beats the wildcard; Host is matched without its port,
 * in any letter case, and without the trailing dot of an absolute name; an unknown Host goes to the default site, or gets 421 with strictHost (on the
 * plain HTTP port too, before any redirect).
 */
export async function sitesRouting(s: Stack, strictHost: boolean): Promise<void> {
  const cases: [string, string, string][] = [
    [DOMAIN, ONLY, SITE_BACKEND.default],
    [ADMIN, ONLY, SITE_BACKEND.admin],
    [ADMIN, '/anything/else', SITE_BACKEND.admin],
    [`ADMIN.E2E.test:${s.ports.https}`, ONLY, SITE_BACKEND.admin],
    // An absolute name: nginx drops the trailing dot before it matches; so must HAProxy.
    [`${ADMIN}.`, ONLY, SITE_BACKEND.admin],
    [`a.tenants.e2e.test.:${s.ports.https}`, '/x', SITE_BACKEND.tenants],
    ['a.tenants.e2e.test', ONLY, SITE_BACKEND.tenants],
    ['deep.b.tenants.e2e.test', '/x', SITE_BACKEND.tenants],
    [EXACT_UNDER_WILDCARD, ONLY, SITE_BACKEND.default],
  ];
  for (const [host, path, backend] of cases) assert.equal(idOf(await get(s, host, path), `Host ${host} ${path}`), backend, `Host ${host} ${path} goes to ${backend}`);
  // An absolute request line names the host routing goes by: a Host that names another site is
  // refused (nginx would route by the line and tell the servers the Host: the admin site's
  // allow-list, say, passed over when both sites share their servers).
  assert.equal(await absoluteForm(s, `https://${DOMAIN}${ONLY}`, ADMIN), 400, 'an absolute request line for the default site with Host naming admin');
  assert.equal(await absoluteForm(s, `https://${ADMIN}${ONLY}`, ADMIN), 200, 'an absolute request line and a Host that agree');
  const unknown = await get(s, 'unknown.e2e.test', ONLY, DOMAIN);
  const plain = await request({ port: s.ports.http, path: ONLY, tls: false, headers: { host: 'unknown.e2e.test' } });
  if (strictHost) {
    assert.equal(unknown.status, 421, `an unknown Host over HTTPS with strictHost: ${unknown.status} ${unknown.body.slice(0, 100)}`);
    assert.equal(plain.status, 421, `an unknown Host over plain HTTP with strictHost: ${plain.status}`);
    const known = await request({ port: s.ports.http, path: ONLY, tls: false, headers: { host: ADMIN } });
    assert.equal(known.status, 301, `a site's Host over plain HTTP is still redirected: ${known.status}`);
  } else {
    assert.equal(idOf(unknown, 'an unknown Host'), SITE_BACKEND.default, 'an unknown Host goes to the default site');
    assert.equal(plain.status, 301, `an unknown Host over plain HTTP is redirected as the default site's: ${plain.status}`);
  }
}

/** The status of an HTTPS request whose request line is absolute (`GET https://host/path`), with its own Host. */
function absoluteForm(s: Stack, target: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: s.ports.https, servername: new URL(target).hostname, rejectUnauthorized: false }, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`GET ${target}: no answer in 5000 ms`)));
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`GET ${target}: not an HTTP answer: ${text.slice(0, 80)}`));
    });
  });
}

/** The subject CN of the certificate the proxy gives a client asking for `servername` (none: no SNI). */
export function peerCommonName(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...(servername ? { servername } : {}) }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.destroy();
      resolve(Array.isArray(cn) ? cn.join(',') : (cn ?? ''));
    });
    socket.on('error', reject);
  });
}

/** Each site's HTTPS client gets the site's certificate; the default site's, and a client without SNI, the top-level one. */
export async function siteCertificates(s: Stack): Promise<void> {
  const defaultCn = '127.0.0.1';
  const expected: [string | undefined, string][] = [[ADMIN, ADMIN], ['a.tenants.e2e.test', TENANTS], [DOMAIN, defaultCn], [undefined, defaultCn]];
  for (const [sni, cn] of expected) assert.equal(await peerCommonName(s.ports.https, sni), cn, `the certificate for SNI ${sni ?? '(none)'}`);
}
