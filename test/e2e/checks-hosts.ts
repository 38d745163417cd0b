/**
 * Issue 13, items 2, 5 and 8: what a wildcard among the domains, a request without Host and a raw
 * `%` in a query do on the real proxies. Each runs on a stack of its own whose topology puts a
 * wildcard first among the domains (or has nothing but wildcards); the backends answer 400 to a
 * Host with a `*` in it, as an application that validates Host does.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { countIds, echoOf, request } from './client.js';
import { idOf } from './expect.js';
import { sleep, until } from './proc.js';
import type { Stack } from './stack.js';
import { BACKEND_IDS, DOMAIN, HEALTH, ROUTES } from './topology.js';

export const WILDCARD = '*.tenants.e2e.test';

/** A wildcard first, then the one concrete domain. */
export const wildcardFirst = (doc: Record<string, unknown>): void => {
  doc.domains = [WILDCARD, DOMAIN];
};
/** Nothing but a wildcard: no domain a request without Host could be sent to. */
export const onlyWildcards = (doc: Record<string, unknown>): void => {
  doc.domains = [WILDCARD];
};

/**
 * Item 2 (HAProxy's active check): with a wildcard first among the domains, every server stays in
 * rotation, and each check sent `expected` as its Host (the first concrete domain, else the first
 * server's address). Looked at once `fall` more intervals than needed have passed since each
 * backend's first check: a check that sends the wildcard has taken every server out by then, and
 * the route answers 503 (the Host is checked too, whatever the timing).
 */
export async function healthCheckHost(s: Stack, expected: string): Promise<void> {
  const balanced = s.backends.filter((b) => (BACKEND_IDS as readonly string[]).includes(b.id));
  await until('a health check on each backend', 10_000, async () => (balanced.every((b) => b.healthChecks > 0) ? true : undefined), 50);
  await sleep((2 * HEALTH.fall + 1) * HEALTH.intervalMs);
  const ids: string[] = [];
  for (let i = 0; i < 2 * BACKEND_IDS.length; i++) ids.push(idOf(await request({ port: s.ports.https, path: `${ROUTES.rr}?i=${i}` }), `${ROUTES.rr} once the checks have run`));
  assert.deepEqual(Object.keys(countIds(ids)).sort(), [...BACKEND_IDS].sort(), `every server stays in rotation: ${ids.join(',')}`);
  for (const b of balanced) assert.equal(b.lastHealthCheck?.host, expected, `the Host of ${b.id}'s health check`);
}

/** One HTTP/1.0 request as written (no Host unless the text has one): status line and Location. */
function rawHttp10(port: number, text: string): Promise<{ status: number; location: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(text)} in 5000 ms`)));
    socket.on('connect', () => socket.write(text));
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(got);
      if (!status) return reject(new Error(`not an HTTP answer: ${JSON.stringify(got.slice(0, 200))}`));
      resolve({ status: Number(status[1]), location: /^location: *(.*?)\r?$/im.exec(got)?.[1] ?? null });
    });
  });
}

/**
 * Item 8: on the plain-HTTP port, an HTTP/1.0 request without Host is sent to the first domain
 * that is not a wildcard (nginx's server_name fallback), or refused (400) when there is none;
 * never to "https://:PORT/" or "https://*.…/". A request with a Host still goes to that host.
 */
export async function redirectWithoutHost(s: Stack, concrete: string | null): Promise<void> {
  const path = '/some/page?q=1';
  const r = await rawHttp10(s.ports.http, `GET ${path} HTTP/1.0\r\n\r\n`);
  if (concrete === null) assert.deepEqual(r, { status: 400, location: null }, 'no Host and no concrete domain: 400');
  else assert.deepEqual(r, { status: 301, location: `https://${concrete}:${s.ports.https}${path}` }, 'no Host: the first concrete domain');
  const hosted = await rawHttp10(s.ports.http, `GET ${path} HTTP/1.0\r\nHost: a.tenants.e2e.test:${s.ports.http}\r\n\r\n`);
  assert.deepEqual(hosted, { status: 301, location: `https://a.tenants.e2e.test:${s.ports.https}${path}` }, 'with a Host: that host');
}

/**
 * Item 5: a query reaches the backend exactly as sent, a raw `%` and an invalid escape included
 * (HAProxy answered 400 to these); the path is still held to valid escapes (400).
 */
export async function queryAsSent(s: Stack): Promise<void> {
  for (const query of ['q=100%', 'q=50%off', 'q=%zz', 'q=%41%7e&r=a%2Fb', 'q=%']) {
    const path = `${ROUTES.rr}/search?${query}`;
    const r = await request({ port: s.ports.https, path });
    assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.body.slice(0, 120)}`);
    assert.equal(echoOf(r).path, path, `the backend receives ${path} as sent`);
  }
  for (const path of [`${ROUTES.rr}/bad%zz?q=1`, `${ROUTES.rr}/bad%`]) {
    assert.equal((await request({ port: s.ports.https, path })).status, 400, `an invalid escape in the path (${path}) is still refused`);
  }
}
