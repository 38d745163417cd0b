/**
 * Checks 1-4: redirect to HTTPS, balancing (round robin, least connections across workers),
 * WebSocket, stickiness (by address and by cookie). Each takes a running stack and throws (assert) when the proxy misbehaves.
 */
import assert from 'node:assert/strict';
import { type Reply, countIds, echoOf, wsHandshakeStatus, parallel, request, wsRoundTrip } from './client.js';
import { assertNoHsts, idOf } from './expect.js';
import { until } from './proc.js';
import type { Stack } from './stack.js';
import { BACKEND_IDS, COOKIE, DOMAIN, ROUTES, WEIGHTED } from './topology.js';

const https = (s: Stack, path: string, from?: string) => request({ port: s.ports.https, path, ...(from ? { from } : {}) });

/** 1: 301 to the same host, path and query on HTTPS, with the HTTPS port since it is not 443. */
export async function redirectsToHttps(s: Stack): Promise<void> {
  for (const path of ['/', '/some/deep/path?a=1&b=two%20words', `${ROUTES.api}?x=y`, `${ROUTES.ws}/chat`]) {
    for (const host of [DOMAIN, `${DOMAIN}:${s.ports.http}`]) {
      const r = await request({ port: s.ports.http, path, tls: false, headers: { host } });
      assert.equal(r.status, 301, `GET http://${host}${path}`);
      assert.equal(r.headers.location, `https://${DOMAIN}:${s.ports.https}${path}`, `Location for http://${host}${path}`);
      assertNoHsts(r, `the redirect of ${path}`);
    }
  }
}

/** 2a: sequential requests to a round-robin pool take turns over every backend. */
export async function roundRobinReachesAll(s: Stack): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < 9; i++) ids.push(idOf(await https(s, `${ROUTES.rr}?i=${i}`), `${ROUTES.rr} #${i}`));
  const counts = countIds(ids);
  assert.deepEqual(Object.keys(counts).sort(), [...BACKEND_IDS], `round robin reaches every backend: ${JSON.stringify(counts)}`);
  assert.ok(Math.max(...Object.values(counts)) - Math.min(...Object.values(counts)) <= 1, `round robin takes turns: ${JSON.stringify(counts)}`);
}

/** 2b: a least-connections pool reaches every backend too. */
export async function leastConnReachesAll(s: Stack): Promise<void> {
  const ids = await parallel(12, (i) => https(s, `/lc-spread?i=${i}`).then((r) => idOf(r, `/ #${i}`)));
  assert.deepEqual(Object.keys(countIds(ids)).sort(), [...BACKEND_IDS], `least connections reaches every backend: ${JSON.stringify(countIds(ids))}`);
}

/** Long enough for the quick requests that follow, short enough to keep the suite fast. */
const PARK_MS = 1500;

/** Send a held request to `/`; once it reached a backend, that backend's id. */
async function park(s: Stack, n: number, parked: Promise<unknown>[]): Promise<string> {
  const before = s.backends.map((b) => b.active('/park'));
  parked.push(https(s, `/park?hold=${PARK_MS}&n=${n}`));
  return until(`parked request #${n} to reach a backend`, 2000, async () => {
    const i = s.backends.findIndex((b, k) => b.active('/park') > before[k]!);
    return i < 0 ? undefined : s.backends[i]!.id;
  }, 10);
}

/**
 * 2c: with slow requests parked on all backends but one, every new request goes to the idle one.
 * nginx must run more than one worker here: without a shared zone each worker would count only
 * its own connections, and a request taken by the other worker would land on a busy backend.
 */
export async function leastConnPrefersIdle(s: Stack): Promise<void> {
  const parked: Promise<unknown>[] = [];
  try {
    const first = await park(s, 1, parked);
    const second = await park(s, 2, parked);
    assert.notEqual(second, first, `the second slow request went to the busy backend ${first} instead of an idle one`);
    const idle = BACKEND_IDS.find((id) => id !== first && id !== second)!;
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push(idOf(await https(s, `/quick?i=${i}`, `127.0.0.${10 + i}`), `/quick #${i}`));
    assert.deepEqual(countIds(ids), { [idle]: ids.length }, `with ${first} and ${second} busy, new requests go to ${idle}`);
  } finally {
    // Let the held requests end here, whatever happened, so none outlives the check.
    await Promise.allSettled(parked);
  }
}

/** 3: an upgrade on the WebSocket route succeeds and messages echo through the proxy. */
export async function webSocketEchoes(s: Stack): Promise<void> {
  const r = await wsRoundTrip(s.ports.https, ROUTES.ws, 'hello through the proxy');
  assert.ok(BACKEND_IDS.includes(r.hello.id as never), `greeting from a backend: ${JSON.stringify(r.hello)}`);
  assert.deepEqual(r.echo, { id: r.hello.id, echo: 'hello through the proxy' });
  const deeper = await wsRoundTrip(s.ports.https, `${ROUTES.ws}/room/1`, 'deeper');
  assert.equal(deeper.echo.echo, 'deeper', '/ws/... is the WebSocket route too');
  // A plain request on the WebSocket route must not be turned into an upgrade towards the backend.
  const plain = echoOf(await https(s, ROUTES.ws));
  assert.notEqual(String(plain.headers.connection ?? '').toLowerCase(), 'upgrade', 'no "Connection: upgrade" on a request that asked for none');
  // A route without websocket: true carries no upgrade: the backend answers the request as a plain one.
  for (const path of [ROUTES.rr, `${ROUTES.rr}/x`, '/somewhere']) {
    assert.equal(await wsHandshakeStatus(s.ports.https, path), 200, `an upgrade on ${path} (not a WebSocket route) is not switched`);
  }
}

/** 4: one client always lands on one backend, plain and WebSocket; many clients spread. */
export async function stickiness(s: Stack): Promise<void> {
  for (const from of ['127.0.0.1', '127.0.0.7', '127.0.1.7']) {
    const plain: string[] = [];
    for (let i = 0; i < 6; i++) plain.push(idOf(await https(s, `${ROUTES.sticky}?i=${i}`, from), `${ROUTES.sticky} from ${from}`));
    const ws: string[] = [];
    for (let i = 0; i < 3; i++) ws.push((await wsRoundTrip(s.ports.https, ROUTES.ws, `m${i}`, from)).echo.id);
    assert.deepEqual(countIds([...plain, ...ws]), { [plain[0]!]: 9 }, `client ${from}: plain ${plain.join(',')} WebSocket ${ws.join(',')}`);
  }
  const clients = Array.from({ length: 30 }, (_, i) => `127.0.${2 + (i % 3)}.${10 + i}`);
  const first = await parallel(clients.length, (i) => https(s, ROUTES.sticky, clients[i]).then((r) => idOf(r, `client ${clients[i]}`)));
  const again = await parallel(clients.length, (i) => https(s, ROUTES.sticky, clients[i]).then((r) => idOf(r, `client ${clients[i]}`)));
  assert.deepEqual(again, first, 'each of many clients keeps its backend');
  assert.ok(Object.keys(countIds(first)).length >= 2, `many clients spread over the backends: ${JSON.stringify(countIds(first))}`);
}

/** The value of the balancer's cookie in an answer's Set-Cookie headers, with its attributes. */
function issuedCookie(r: Reply): { value: string; attributes: string } | undefined {
  for (const line of r.headers['set-cookie'] ?? []) {
    const m = new RegExp(`^${COOKIE.name}=([^;]*)(.*)$`).exec(line);
    if (m) return { value: m[1]!, attributes: m[2]! };
  }
  return undefined;
}

/**
 * 4b: stickiness by cookie. HAProxy issues the cookie (HttpOnly, Secure behind the HTTPS redirect,
 * Max-Age = sticky.ttl) and a client that sends it back stays on its server from any address;
 * without it a client is balanced like any other. nginx 1.22 has no sticky cookie (lbgen says so):
 * it hashes the cookie's value when a client sends one, else the client address.
 */
export async function cookieStickiness(s: Stack): Promise<void> {
  const cookie = (value: string) => ({ cookie: `other=1; ${COOKIE.name}=${value}; last=2` });
  if (s.proxy === 'haproxy') {
    const issued = new Map<string, string>();
    const spread: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await https(s, `${ROUTES.cookie}?i=${i}`);
      const id = idOf(r, `${ROUTES.cookie} #${i}`);
      spread.push(id);
      const c = issuedCookie(r);
      assert.ok(c, `a ${COOKIE.name} cookie is set on a first answer: ${JSON.stringify(r.headers['set-cookie'])}`);
      assert.match(c.attributes, /;\s*HttpOnly/i, `HttpOnly: ${c.attributes}`);
      assert.match(c.attributes, /;\s*Secure/i, `Secure (every request arrives over HTTPS): ${c.attributes}`);
      assert.match(c.attributes, new RegExp(`;\\s*Max-Age=${COOKIE.ttlSeconds}(;|$)`, 'i'), `Max-Age is sticky.ttl: ${c.attributes}`);
      issued.set(id, c.value);
    }
    assert.deepEqual(Object.keys(countIds(spread)).sort(), [...BACKEND_IDS], `without the cookie, one client is balanced over every server: ${spread.join(',')}`);
    for (const [id, value] of issued) {
      for (const from of ['127.0.0.1', '127.0.0.8', '127.0.2.9']) {
        for (let i = 0; i < 3; i++) {
          const r = await request({ port: s.ports.https, path: `${ROUTES.cookie}/x?i=${i}`, from, headers: cookie(value) });
          assert.equal(idOf(r, `${ROUTES.cookie} with ${COOKIE.name}=${value} from ${from}`), id, `the cookie of ${id} leads to ${id}, from ${from}`);
        }
      }
    }
    return;
  }
  // nginx: the cookie's value picks the server, whatever the address; no cookie: the address does.
  for (const value of ['alpha', 'beta', 'gamma-42']) {
    const ids: string[] = [];
    for (const from of ['127.0.0.1', '127.0.0.8', '127.0.2.9']) {
      for (let i = 0; i < 2; i++) ids.push(idOf(await request({ port: s.ports.https, path: `${ROUTES.cookie}?i=${i}`, from, headers: cookie(value) }), `${ROUTES.cookie} with ${value} from ${from}`));
    }
    assert.deepEqual(countIds(ids), { [ids[0]!]: ids.length }, `${COOKIE.name}=${value} keeps one server from any address: ${ids.join(',')}`);
  }
  const values = Array.from({ length: 30 }, (_, i) => `client-${i}`);
  const byValue = await parallel(values.length, (i) => request({ port: s.ports.https, path: ROUTES.cookie, headers: cookie(values[i]!) }).then((r) => idOf(r, values[i]!)));
  assert.ok(Object.keys(countIds(byValue)).length >= 2, `many cookie values spread over the servers: ${JSON.stringify(countIds(byValue))}`);
  for (const from of ['127.0.0.1', '127.0.3.4']) {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(idOf(await https(s, `${ROUTES.cookie}?i=${i}`, from), `${ROUTES.cookie} without a cookie from ${from}`));
    assert.deepEqual(countIds(ids), { [ids[0]!]: ids.length }, `without a cookie, client ${from} keeps one server: ${ids.join(',')}`);
  }
}

/** 2d: weights: sequential requests to a pool weighted 3 and 1 share out 3 to 1. */
export async function weightsShareTraffic(s: Stack): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) ids.push(idOf(await https(s, `${WEIGHTED.route}?i=${i}`), `${WEIGHTED.route} #${i}`));
  const counts = countIds(ids);
  const [heavy, light] = WEIGHTED.servers;
  assert.deepEqual(Object.keys(counts).sort(), [heavy.backend, light.backend].sort(), `both servers answer: ${JSON.stringify(counts)}`);
  // Smooth weighted round robin on both proxies gives exactly 30 and 10; a little room for a retry.
  assert.ok(Math.abs((counts[heavy.backend] ?? 0) - 30) <= 2, `weight ${heavy.weight} against ${light.weight}: ${JSON.stringify(counts)} for 40 requests`);
}
