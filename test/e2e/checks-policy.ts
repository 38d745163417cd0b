/**
 * Checks 6-9: allowFrom, rate limit, security headers (also on the proxy's own 403 and 429, never
 * over plain HTTP), forwarded headers.
 */
import assert from 'node:assert/strict';
import { countIds, echoOf, handshake, parallel, request, tlsHello, wsRoundTrip } from './client.js';
import { assertNoHsts, assertSecurityHeaders, idOf } from './expect.js';
import { sleep } from './proc.js';
import type { Stack } from './stack.js';
import { ALLOWED, RATE, ROUTES } from './topology.js';

const https = (s: Stack, path: string, from = '127.0.0.1') => request({ port: s.ports.https, path, from });

/** 6: the allowFrom route answers its allowed clients and refuses (403) another loopback address. */
export async function allowFrom(s: Stack): Promise<void> {
  for (const from of ALLOWED) {
    for (const path of [ROUTES.private, `${ROUTES.private}/x?y=1`]) idOf(await https(s, path, from), `${path} from allowed ${from}`);
  }
  const behind = ROUTES.private.slice(1);
  for (const from of ['127.0.0.3', '127.1.2.3']) {
    // Encoded forms of the same path (a backend may decode %2F) meet the same allow-list.
    for (const path of [ROUTES.private, `${ROUTES.private}/x?y=1`, `${ROUTES.private}%2F`, `${ROUTES.private}%2Fx`, '/%70rivate' /* %70 is p */]) {
      const r = await https(s, path, from);
      assert.equal(r.status, 403, `${path} from ${from} (not in allowFrom): ${r.status} ${r.body.slice(0, 100)}`);
    }
    // A dot segment that only decoding reveals must not lead into the route under another prefix
    // (nginx resolves it after decoding and refuses with 403; HAProxy cannot resolve it: 400).
    for (const path of [`${ROUTES.rr}%2F..%2F${behind}`, `${ROUTES.rr}%2F..%2F${behind}%2Fx`, `${ROUTES.rr}/%2E%2E%2F${behind}`]) {
      const r = await https(s, path, from);
      assert.ok(r.status === 403 || r.status === 400, `${path} from ${from} (not in allowFrom): ${r.status} ${r.body.slice(0, 100)}`);
    }
  }
  // A path prefix is not a string prefix: /privatex is another route, open to everyone.
  idOf(await https(s, `${ROUTES.private}x`, '127.0.0.3'), `${ROUTES.private}x from 127.0.0.3`);
}

/**
 * 7: one client's burst on the rate-limited route: at least `burst` and at most `perSecond + burst`
 * answered, the rest 429 without delay; other routes and other clients unaffected meanwhile; and
 * the route serves the client again once the window has passed.
 */
export async function rateLimit(s: Stack): Promise<void> {
  const from = '127.0.0.20';
  const burst = await parallel(15, (i) => https(s, `${ROUTES.api}?i=${i}`, from));
  const ok = burst.filter((r) => r.status === 200);
  const limited = burst.filter((r) => r.status === 429);
  assert.equal(ok.length + limited.length, burst.length, `only 200 and 429: ${JSON.stringify(countIds(burst.map((r) => String(r.status))))}`);
  assert.ok(ok.length >= RATE.burst && ok.length <= RATE.perSecond + RATE.burst, `${ok.length} of ${burst.length} served at once (burst ${RATE.burst}, ${RATE.perSecond}/s)`);
  const slowest = Math.max(...limited.map((r) => r.ms));
  assert.ok(slowest < 500, `429 at once, not after a delay: slowest ${slowest} ms`);
  const others = await parallel(20, (i) => https(s, `${ROUTES.rr}?i=${i}`, from));
  assert.deepEqual(others.map((r) => r.status), others.map(() => 200), 'the same client is not throttled on other routes');
  idOf(await https(s, ROUTES.api, '127.0.0.21'), 'another client on the rate-limited route');
  await recovers(s, from);
}

/** A client below the rate (here ~3 requests/s) is served again within a window and a margin. */
async function recovers(s: Stack, from: string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = await https(s, ROUTES.api, from);
    if (r.status === 200) return;
    assert.ok(Date.now() - t0 < 2500, `still ${r.status} on ${ROUTES.api} ${Date.now() - t0} ms after the burst`);
    await sleep(300);
  }
}

/** 8: security headers on every HTTPS answer, the proxy's own 403 and 429 included; none on plain HTTP. */
export async function securityHeaders(s: Stack): Promise<void> {
  for (const path of [ROUTES.lc, ROUTES.rr, ROUTES.sticky, ROUTES.api, ROUTES.ws, ROUTES.private, '/nothing/here']) {
    const r = await https(s, path);
    assert.equal(r.status, 200, `${path}: ${r.status}`);
    assertSecurityHeaders(r, s.model, `GET ${path}`);
  }
  const denied = await https(s, ROUTES.private, '127.0.0.3');
  assert.equal(denied.status, 403);
  assertSecurityHeaders(denied, s.model, 'the proxy\'s 403');
  const limited = (await parallel(15, () => https(s, ROUTES.api, '127.0.0.30'))).filter((r) => r.status === 429);
  assert.ok(limited.length > 0, 'a burst is limited');
  for (const r of limited) assertSecurityHeaders(r, s.model, 'the proxy\'s 429');
  const plain = await request({ port: s.ports.http, path: ROUTES.private, tls: false, from: '127.0.0.3' });
  assertNoHsts(plain, `plain HTTP ${ROUTES.private}`);
}

/** 9: backends see the client in X-Forwarded-For and https in X-Forwarded-Proto, WebSocket included. */
export async function forwardedHeaders(s: Stack): Promise<void> {
  for (const [from, path] of [['127.0.0.4', ROUTES.rr], ['127.0.0.5', ROUTES.lc], ['127.0.0.6', ROUTES.sticky]] as const) {
    const e = echoOf(await https(s, path, from));
    assert.equal(e.headers['x-forwarded-for'], from, `X-Forwarded-For on ${path}`);
    assert.equal(e.headers['x-forwarded-proto'], 'https', `X-Forwarded-Proto on ${path}`);
    assert.equal(e.headers.host, `127.0.0.1:${s.ports.https}`, `the client's Host, port included, on ${path}`);
  }
  const ws = await wsRoundTrip(s.ports.https, ROUTES.ws, 'x', '127.0.0.8');
  assert.equal(ws.hello.headers['x-forwarded-for'], '127.0.0.8', 'X-Forwarded-For on the WebSocket upgrade');
  assert.equal(ws.hello.headers['x-forwarded-proto'], 'https', 'X-Forwarded-Proto on the WebSocket upgrade');
}

/** 8b: the same TLS 1.2 ciphers on both proxies: forward secrecy and AEAD only. */
export async function tlsCiphers(s: Stack): Promise<void> {
  assert.equal(await handshake(s.ports.https, 'ECDHE-ECDSA-AES128-GCM-SHA256'), 'ECDHE-ECDSA-AES128-GCM-SHA256');
  for (const weak of ['AES128-SHA', 'AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-SHA']) assert.match(await handshake(s.ports.https, weak), /^refused: /, `${weak} is not offered`);
}

/**
 * 8c: tls.minVersion TLSv1.2 is the floor (a client limited to TLS 1.1, able to speak it, is
 * refused), TLS 1.2 and 1.3 are accepted, and tls.http2 offers h2 by ALPN.
 */
export async function tlsProtocols(s: Stack): Promise<void> {
  const old = await tlsHello(s.ports.https, { min: 'TLSv1.1', max: 'TLSv1.1' });
  assert.ok('refused' in old, `a TLS 1.1 client is refused: ${JSON.stringify(old)}`);
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    const ok = await tlsHello(s.ports.https, { min: v, max: v });
    assert.ok(!('refused' in ok) && ok.protocol === v, `${v} accepted: ${JSON.stringify(ok)}`);
  }
  const h2 = await tlsHello(s.ports.https, { min: 'TLSv1.2', max: 'TLSv1.3', alpn: ['h2', 'http/1.1'] });
  assert.ok(!('refused' in h2) && h2.alpn === 'h2', `HTTP/2 offered by ALPN: ${JSON.stringify(h2)}`);
}
