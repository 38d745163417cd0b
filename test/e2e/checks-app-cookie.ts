/**
 * Stickiness by a cookie the application issues (sticky.setBy: application), on a stack of its
 * own: the backends act as the guide's session-affinity middleware (an answer to a request that
 * does not name the backend sets verb-server-id to the backend's id, which is its lbgen server id),
 * and the pool declares sticky.value: server-id. Clients log in without the cookie (balanced as the
 * pool says), then come back with it, from their own address and from another one, and over a
 * WebSocket: each must stay on the server that issued its cookie.
 */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { countIds, parallel, request } from './client.js';
import { idOf } from './expect.js';
import type { Stack } from './stack.js';
import { BACKEND_IDS } from './topology.js';

export const APP_COOKIE = { name: 'verb-server-id', pool: 'appcookie', route: '/app', wsRoute: '/app-ws', clients: 30 } as const;

/** The topology edit: the pool, its plain route and its WebSocket route. */
export const appCookiePool = (doc: Record<string, unknown>): void => {
  const pools = doc.pools as Record<string, unknown>;
  pools[APP_COOKIE.pool] = {
    servers: [...BACKEND_IDS],
    sticky: { by: 'cookie', cookie: APP_COOKIE.name, setBy: 'application', value: 'server-id' },
    healthCheck: (pools.rr as { healthCheck: unknown }).healthCheck,
  };
  (doc.routes as unknown[]).unshift(
    { path: APP_COOKIE.route, pool: APP_COOKIE.pool },
    { path: APP_COOKIE.wsRoute, pool: APP_COOKIE.pool, websocket: true },
  );
};

/** Every backend issues the cookie from now on, as the guide's middleware does. */
export function issueCookies(s: Stack): void {
  for (const b of s.backends) b.issueCookie = APP_COOKIE.name;
}

/** The value of the application's cookie in an answer's Set-Cookie headers. */
function issued(headers: Record<string, unknown>): string | undefined {
  for (const line of (headers['set-cookie'] as string[] | undefined) ?? []) {
    const m = new RegExp(`^${APP_COOKIE.name}=([^;]*)`).exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** The server that greets a WebSocket opened with `cookie`, from `from`. */
function wsServer(s: Stack, cookie: string, from: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${s.ports.https}${APP_COOKIE.wsRoute}`, { rejectUnauthorized: false, localAddress: from, handshakeTimeout: 5000, headers: { cookie } });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`WebSocket from ${from}: no greeting in 5000 ms`));
    }, 5000);
    ws.on('message', (data) => {
      clearTimeout(timer);
      ws.close();
      resolve((JSON.parse(data.toString()) as { id: string }).id);
    });
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`WebSocket from ${from}: upgrade refused with ${res.statusCode}`));
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

const clientAddress = (i: number) => `127.0.3.${i + 1}`;
/** Where a client comes back from after a change of network. */
const otherAddress = (i: number) => `127.0.4.${i + 1}`;

/**
 * 30 clients log in, then come back three times over HTTP (twice from their address, once from
 * another) and once over a WebSocket: every answer comes from the server that issued the cookie.
 */
export async function appCookieStickiness(s: Stack): Promise<{ logins: Record<string, number> }> {
  issueCookies(s);
  const n = APP_COOKIE.clients;
  const logins = await parallel(n, async (i) => {
    const r = await request({ port: s.ports.https, path: `${APP_COOKIE.route}/login?client=${i}`, from: clientAddress(i) });
    const server = idOf(r, `login of client ${i}`);
    assert.equal(issued(r.headers), server, `the backend ${server} issues ${APP_COOKIE.name}=${server} to client ${i}: ${JSON.stringify(r.headers['set-cookie'])}`);
    return server;
  });
  // Without the cookie, clients are balanced over the pool (the proxy does not pin them itself).
  assert.ok(Object.keys(countIds(logins)).length >= 2, `logins without a cookie are balanced: ${JSON.stringify(countIds(logins))}`);
  const visits = await parallel(n, async (i) => {
    const cookie = `theme=dark; ${APP_COOKIE.name}=${logins[i]}; lang=en`;
    const got: string[] = [];
    for (const [k, from] of [clientAddress(i), clientAddress(i), otherAddress(i)].entries()) {
      got.push(idOf(await request({ port: s.ports.https, path: `${APP_COOKIE.route}/page?client=${i}&visit=${k}`, from, headers: { cookie } }), `visit ${k} of client ${i}`));
    }
    got.push(`ws:${await wsServer(s, cookie, clientAddress(i))}`);
    return got;
  });
  const moved = visits.flatMap((got, i) => (got.every((g) => g.replace(/^ws:/, '') === logins[i]) ? [] : [`client ${i}: cookie from ${logins[i]}, then ${got.join(', ')}`]));
  assert.equal(moved.length, 0, `${moved.length} of ${n} clients left the server that issued their cookie:\n${moved.join('\n')}`);
  // A value that names no server of the pool (a server since removed) is still answered.
  idOf(await request({ port: s.ports.https, path: `${APP_COOKIE.route}/page?stale=1`, headers: { cookie: `${APP_COOKIE.name}=gone` } }), 'a cookie naming no server');
  return { logins: countIds(logins) };
}

/**
 * A cookie the proxy never saw reaches the server it names: one issued before a reload, or through
 * another balancer in front of the same pool. No client logs in first. A proxy that learns each
 * value from the answer that issued it (a stick table) starts empty after a reload, and would
 * balance these.
 */
export async function appCookieUnseen(s: Stack): Promise<{ requests: number }> {
  issueCookies(s);
  const tries = BACKEND_IDS.flatMap((id) => [0, 1, 2].map((k) => ({ id, k })));
  const got = await parallel(tries.length, async (i) => {
    const { id, k } = tries[i]!;
    const r = await request({ port: s.ports.https, path: `${APP_COOKIE.route}/page?unseen=${k}`, from: clientAddress(i), headers: { cookie: `${APP_COOKIE.name}=${id}` } });
    return idOf(r, `a first request with ${APP_COOKIE.name}=${id}`);
  });
  const missed = tries.flatMap((t, i) => (got[i] === t.id ? [] : [`${APP_COOKIE.name}=${t.id} answered by ${got[i]}`]));
  assert.equal(missed.length, 0, `${missed.length} of ${tries.length} cookies the proxy never saw missed their server:\n${missed.join('\n')}`);
  return { requests: tries.length };
}

/**
 * A server that issued cookies dies: its clients are answered by another server of the pool (nginx:
 * the backups of the dead server's upstream; HAProxy: redispatch), which issues its own id, and
 * they stay there from then on.
 */
export async function appCookieFailover(s: Stack): Promise<{ from: string; to: string }> {
  issueCookies(s);
  const from = clientAddress(0);
  const first = await request({ port: s.ports.https, path: `${APP_COOKIE.route}/login`, from });
  const dead = idOf(first, 'login');
  s.backend(dead).kill();
  const cookie = (id: string) => `${APP_COOKIE.name}=${id}`;
  const r = await request({ port: s.ports.https, path: `${APP_COOKIE.route}/page?after=kill`, from, headers: { cookie: cookie(dead) } });
  const next = idOf(r, `a client of ${dead} once ${dead} is dead`);
  assert.notEqual(next, dead);
  assert.equal(issued(r.headers), next, `${next} issues its own id to the client of ${dead}`);
  for (let i = 0; i < 3; i++) {
    assert.equal(idOf(await request({ port: s.ports.https, path: `${APP_COOKIE.route}/page?again=${i}`, from, headers: { cookie: cookie(next) } }), `return ${i} with ${cookie(next)}`), next, `the client stays on ${next}`);
  }
  return { from: dead, to: next };
}
