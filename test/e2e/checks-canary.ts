/**
 * Issue 17 on the real proxies, on a stack of its own (canaryRoutes edits the e2e topology): a
 * canary route that sends 10% of new clients to pool `next` (backend b3) and the rest to pool
 * `stable` (b1, b2); a route with a 1m body limit; routes whose own server timeout is shorter or
 * longer than their pool's. Plain HTTP (no redirect), so that 1,000 clients cost no handshakes.
 */
import assert from 'node:assert/strict';
import { Agent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { type Reply, echoOf, request } from './client.js';
import type { Stack } from './stack.js';
import { BACKEND_IDS } from './topology.js';

export const CANARY = {
  route: '/canary',
  weight: 10,
  header: 'X-Canary',
  cookie: 'canary',
  /** The canary pool's only server; the stable pool has the two others. */
  canaryServer: 'b3',
  clients: 1000,
  requestsPerClient: 10,
  /** ±3 points around the weight. */
  tolerance: 3,
} as const;

export const SHAPE = {
  upload: '/upload',
  limit: '1m',
  /** Pool `rr` (60s server timeout) with a route timeout of 1s: a 3 s answer times out. */
  short: '/short-wait',
  /** Pool `quick` (1s server timeout) with a route timeout of 10s: a 3 s answer arrives. */
  long: '/long-wait',
  /** Pool `quick` without a route timeout: the pool's 1s applies. */
  quick: '/quick',
  holdMs: 3000,
  /** buffering: false (pool rr): a server-sent event passes before the answer ends. */
  events: '/events',
  /** How long a first event may take to come through; the answer only ends once it has. */
  eventWaitMs: 5000,
} as const;

/** The topology edit: the pools and routes above, and plain HTTP served (no redirect to HTTPS). */
export const canaryRoutes = (doc: Record<string, unknown>): void => {
  const pools = doc.pools as Record<string, { healthCheck?: unknown }>;
  const healthCheck = pools.rr!.healthCheck;
  const others = BACKEND_IDS.filter((id) => id !== CANARY.canaryServer);
  Object.assign(pools, {
    stable: { servers: others, healthCheck },
    next: { servers: [CANARY.canaryServer], healthCheck },
    quick: { servers: [...BACKEND_IDS], healthCheck, timeouts: { server: '1s' } },
  });
  (doc.listen as Record<string, unknown>).redirectToHttps = false;
  (doc.routes as unknown[]).unshift(
    { path: CANARY.route, pool: 'stable', canary: { pool: 'next', weight: CANARY.weight, header: CANARY.header, cookie: CANARY.cookie } },
    { path: SHAPE.upload, pool: 'rr', maxBodySize: SHAPE.limit },
    { path: SHAPE.short, pool: 'rr', timeouts: { server: '1s' } },
    { path: SHAPE.long, pool: 'quick', timeouts: { server: '10s' } },
    { path: SHAPE.quick, pool: 'quick' },
    { path: SHAPE.events, pool: 'rr', buffering: false },
  );
};

type Side = 'always' | 'never';

/** The side an answer came from: the canary's server, or one of the stable pool's. */
function sideOf(r: Reply, what: string): Side {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.body.slice(0, 200)}`);
  return echoOf(r).id === CANARY.canaryServer ? 'always' : 'never';
}

/** The side the balancer's Set-Cookie names, or null when it sets none. */
function cookieSet(headers: IncomingHttpHeaders): string | null {
  for (const line of headers['set-cookie'] ?? []) {
    const m = new RegExp(`^${CANARY.cookie}=([^;]*)`).exec(line);
    if (m) return m[1]!;
  }
  return null;
}

/** Requests over kept-alive connections from one address (the answer of each read to its end). */
function keptAlive(agent: Agent, port: number, path: string, headers: Record<string, string>): Promise<Reply> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: Date.now() - t0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} in 10000 ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `n` jobs, at most `width` at a time. */
async function pooled<T>(n: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await job(i);
    }
  }));
  return out;
}

/** A distinct loopback address per client (Linux answers on all of 127.0.0.0/8). */
const clientAddress = (i: number, net = 10) => `127.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/**
 * 1,000 new clients, each from its own address, get their side and the cookie that holds it; each
 * then comes back 9 times with that cookie from one shared address (127.0.0.1, over kept-alive
 * connections): the cookie alone must keep it on its side, whatever that address would be given.
 * The share on the canary is within ±3 points of the weight.
 */
export async function canarySplit(s: Stack): Promise<{ share: number; moved: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16, localAddress: '127.0.0.1' });
  try {
    const port = s.ports.http;
    const results = await pooled(CANARY.clients, 32, async (i) => {
      const first = await request({ port, tls: false, path: `${CANARY.route}/new?client=${i}`, from: clientAddress(i) });
      const side = sideOf(first, `first request of client ${i}`);
      const cookie = cookieSet(first.headers);
      assert.equal(cookie, side, `client ${i}: the balancer sets ${CANARY.cookie}=${side} for the side it chose (Set-Cookie: ${JSON.stringify(first.headers['set-cookie'])})`);
      const later: Side[] = [];
      for (let k = 1; k < CANARY.requestsPerClient; k++) {
        later.push(sideOf(await keptAlive(agent, port, `${CANARY.route}/again?client=${i}&k=${k}`, { cookie: `theme=dark; ${CANARY.cookie}=${cookie}` }), `request ${k} of client ${i}`));
      }
      return { side, moved: later.some((l) => l !== side) };
    });
    const canary = results.filter((r) => r.side === 'always').length;
    const share = (100 * canary) / CANARY.clients;
    const moved = results.filter((r) => r.moved).length;
    assert.equal(moved, 0, `${moved} of ${CANARY.clients} clients changed sides within ${CANARY.requestsPerClient} requests`);
    assert.ok(Math.abs(share - CANARY.weight) <= CANARY.tolerance, `${share}% of new clients on the canary, not ${CANARY.weight} ± ${CANARY.tolerance}`);
    return { share, moved };
  } finally {
    agent.destroy();
  }
}

/** Clients without cookies stay on their side by their address: 100 clients, 3 requests each, no cookie. */
export async function canaryByAddress(s: Stack): Promise<{ canary: number }> {
  const sides = await pooled(100, 20, async (i) => {
    const got: Side[] = [];
    for (let k = 0; k < 3; k++) got.push(sideOf(await request({ port: s.ports.http, tls: false, path: `${CANARY.route}/plain?client=${i}&k=${k}`, from: clientAddress(i, 11) }), `request ${k} of cookieless client ${i}`));
    return got;
  });
  const moved = sides.filter((g) => g.some((x) => x !== g[0]));
  assert.equal(moved.length, 0, `${moved.length} of 100 clients without cookies changed sides: ${JSON.stringify(moved.slice(0, 3))}`);
  return { canary: sides.filter((g) => g[0] === 'always').length };
}

/**
 * The header beats the cookie, the cookie beats the address: each forces each side, in any letter
 * case for the header, and a forced request is given no cookie.
 */
export async function canaryForced(s: Stack): Promise<void> {
  const cases: { headers: Record<string, string>; want: Side; what: string }[] = [
    { headers: { [CANARY.header]: 'always', cookie: `${CANARY.cookie}=never` }, want: 'always', what: 'header always over cookie never' },
    { headers: { [CANARY.header]: 'never', cookie: `${CANARY.cookie}=always` }, want: 'never', what: 'header never over cookie always' },
    { headers: { [CANARY.header]: 'ALWAYS' }, want: 'always', what: 'header ALWAYS' },
    { headers: { [CANARY.header]: 'Never' }, want: 'never', what: 'header Never' },
    { headers: { cookie: `a=1; ${CANARY.cookie}=always; b=2` }, want: 'always', what: 'cookie always' },
    { headers: { cookie: `${CANARY.cookie}=never` }, want: 'never', what: 'cookie never' },
  ];
  for (const c of cases) {
    // Each from several addresses, so that some of them would be placed on the other side.
    for (let i = 0; i < 10; i++) {
      const r = await request({ port: s.ports.http, tls: false, path: `${CANARY.route}/forced?i=${i}`, from: clientAddress(i, 12), headers: c.headers });
      assert.equal(sideOf(r, c.what), c.want, `${c.what} from ${clientAddress(i, 12)}`);
      assert.equal(cookieSet(r.headers), null, `${c.what}: no cookie set on a forced request`);
    }
  }
}

/**
 * Send `bytes` of body and read only the status. With Expect: 100-continue the body goes only once
 * the proxy asks for it: a proxy that refuses on the declared length answers 413 first and closes,
 * without a body in flight that a reset could cost the answer (write EPIPE, seen on HAProxy).
 */
function upload(port: number, path: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes), expect: '100-continue' }, timeout: 10_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('continue', () => req.end(Buffer.alloc(bytes, 120)));
    req.on('timeout', () => req.destroy(new Error(`no answer to a ${bytes}-byte upload in 10000 ms`)));
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** A 2 MB body over the route's 1m limit gets 413; one under it, and a 2 MB body on another route, go through. */
export async function bodyLimit(s: Stack): Promise<void> {
  const port = s.ports.http;
  assert.equal(await upload(port, `${SHAPE.upload}/big`, 2 * 1024 * 1024), 413, `a 2 MB body on ${SHAPE.upload} (maxBodySize ${SHAPE.limit})`);
  assert.equal(await upload(port, `${SHAPE.upload}/small`, 900 * 1024), 200, `a 900 KB body on ${SHAPE.upload}`);
  assert.equal(await upload(port, '/rr/big', 2 * 1024 * 1024), 200, 'a 2 MB body on a route without a limit');
}

/**
 * A route's server timeout beats its pool's both ways: a 3 s answer times out (504) on a route of
 * 1s whose pool waits 60s, and arrives on a route of 10s whose pool waits 1s (where the pool's own
 * route times out).
 */
export async function routeTimeouts(s: Stack): Promise<void> {
  const get = (path: string) => request({ port: s.ports.http, tls: false, path: `${path}/x?hold=${SHAPE.holdMs}`, timeoutMs: 15_000 });
  const [short, long, quick, plain] = await Promise.all([get(SHAPE.short), get(SHAPE.long), get(SHAPE.quick), get('/rr')]);
  assert.equal(plain.status, 200, `a ${SHAPE.holdMs} ms answer on /rr (pool rr, 60s)`);
  assert.equal(short.status, 504, `a ${SHAPE.holdMs} ms answer on ${SHAPE.short} (route timeout 1s over pool rr's 60s): ${short.status}`);
  assert.equal(quick.status, 504, `a ${SHAPE.holdMs} ms answer on ${SHAPE.quick} (pool quick, 1s): ${quick.status}`);
  assert.equal(long.status, 200, `a ${SHAPE.holdMs} ms answer on ${SHAPE.long} (route timeout 10s over pool quick's 1s): ${long.status}`);
}

/**
 * Answers that come in parts on the route with buffering: false: the backend sends a first event
 * and holds the answer open until this check has read that event through the proxy, once chunked
 * (server-sent events) and once with a Content-Length (a long poll's answer of known length, which
 * a buffering nginx holds until it is complete). A proxy that holds the part never passes it.
 */
export async function eventsUnbuffered(s: Stack): Promise<void> {
  for (const sized of [false, true]) {
    const id = `ev${sized ? 's' : 'c'}${Date.now()}`;
    const what = sized ? 'an answer with a Content-Length' : 'a chunked stream of events';
    try {
      const first = await new Promise<string>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: s.ports.http, path: `${SHAPE.events}/stream?stream=${id}${sized ? '&sized' : ''}`, agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            if (text.includes('\n\n')) resolve(text);
          });
          res.on('end', () => reject(new Error(`${what}: the answer ended before its first part came through: ${res.statusCode} ${text.slice(0, 100)}`)));
        });
        req.setTimeout(SHAPE.eventWaitMs, () => req.destroy(new Error(`${what}: no first part through ${SHAPE.events} in ${SHAPE.eventWaitMs} ms while the backend held the rest: the proxy buffers it`)));
        req.on('error', reject);
        req.end();
      });
      assert.match(first, /^data: b\d first\n\n/, `the first event of ${what} on ${SHAPE.events}`);
    } finally {
      s.backends.some((b) => b.endStream(id));
    }
  }
}
