/**
 * Production hazards of issue 13, on a stack of their own (test/e2e-hazards.test.ts): the round-robin
 * pool answers within a short server timeout, so that a slow request times out in a second.
 *
 * - A request that times out runs on one server only (a retried timeout runs it on every server of
 *   the pool), and the 504 comes within the timeout; a connection refused or timed out is still
 *   retried on another server, for GET and POST alike.
 * - Request heads are limited as the ALB's: 16 KB a request line or header, 64 KB in all.
 * - After a reload, the old processes that hold a WebSocket tunnel are gone within
 *   limits.shutdownTimeout.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import WebSocket from 'ws';
import { request } from './client.js';
import { idOf } from './expect.js';
import { type Proc, sleep, start, until } from './proc.js';
import type { Stack } from './stack.js';
import { BACKEND_IDS, HEALTH, ROUTES, STATS } from './topology.js';
import { childrenOf } from './workers.js';

/** pools.rr.timeouts in the hazards stack, and how long the slow request works. */
export const SLOW = { serverTimeoutMs: 1000, workMs: 3000, connectTimeoutMs: 500 } as const;
/** Room for a loaded machine between the timeout and the 504; a retried timeout adds a whole timeout or more. */
const MARGIN_MS = 1500;

/** limits.shutdownTimeout in the hazards stack. */
export const SHUTDOWN_MS = 2000;

/** The topology edit of the hazards stack. */
export const hazardsTopology = (doc: Record<string, unknown>): void => {
  const pools = doc.pools as Record<string, Record<string, unknown>>;
  pools.rr = { ...pools.rr, timeouts: { connect: `${SLOW.connectTimeoutMs}ms`, server: `${SLOW.serverTimeoutMs}ms` } };
  doc.limits = { ...(doc.limits as object), shutdownTimeout: `${SHUTDOWN_MS}ms` };
};

/** How many times the backends received `path`, all together. */
const runs = (s: Stack, path: string) => s.backends.reduce((n, b) => n + b.seen.filter((p) => p === path).length, 0);

/** GET and POST that outlast timeouts.server: each runs on one server, and the client has its 504 within the timeout. */
export async function slowRequestRunsOnce(s: Stack): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const method of ['GET', 'POST'] as const) {
    const path = `${ROUTES.rr}/slow-${method.toLowerCase()}-${Date.now()}`;
    const r = await request({ port: s.ports.https, path: `${path}?hold=${SLOW.workMs}`, method, ...(method === 'POST' ? { body: 'x' } : {}), timeoutMs: 15_000 });
    const n = runs(s, path);
    const what = `a ${method} that works ${SLOW.workMs} ms behind timeouts.server ${SLOW.serverTimeoutMs} ms`;
    assert.equal(n, 1, `${what} ran on ${n} servers (answered ${r.status} after ${r.ms} ms)`);
    assert.equal(r.status, 504, `${what}: ${r.status} ${r.body.slice(0, 120)}`);
    assert.ok(r.ms < SLOW.serverTimeoutMs + MARGIN_MS, `${what}: 504 after ${r.ms} ms, more than the timeout plus ${MARGIN_MS} ms`);
    out[method] = `504 after ${r.ms} ms, 1 server`;
  }
  return out;
}

/**
 * A listener on 127.0.0.1:PORT that never accepts, its queue filled by its own connections: a SYN
 * to it is dropped, so a proxy's connection attempt times out (on loopback, a closed port refuses at once).
 */
const BLACK_HOLE = `
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(0)
held = []
for _ in range(3):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", int(sys.argv[1])))
    except BlockingIOError:
        pass
    held.append(c)
time.sleep(0.2)
print("ready", flush=True)
time.sleep(600)
`;

/** GET and POST in turn on the round-robin pool: each answered by a server other than `not`; the slowest time. */
async function everyAnswered(s: Stack, not: string, what: string): Promise<number> {
  let slowest = 0;
  // Round robin over three servers: 6 requests meet the failing one twice, before any health check notices.
  for (let i = 0; i < 6; i++) {
    const method = i % 2 ? 'POST' : 'GET';
    const r = await request({ port: s.ports.https, path: `${ROUTES.rr}?${what.replace(/\W+/g, '-')}=${i}`, method, ...(method === 'POST' ? { body: 'x' } : {}) });
    assert.notEqual(idOf(r, `${method} ${i} ${what}`), not);
    slowest = Math.max(slowest, r.ms);
  }
  return slowest;
}

/**
 * Connection failures are still retried on another server, for GET and POST: a connection that
 * times out (timeouts.connect) and one refused. The slowest request shows that one did meet the
 * timed-out connection (else the check would prove nothing).
 */
export async function failedConnectionsRetried(s: Stack): Promise<string> {
  const victim = s.backend(BACKEND_IDS[0]);
  // HAProxy starts a server at the lowest health that is up: on a stack just started, the one
  // refused check between the kill and the black hole would mark b1 down, and no request would
  // meet it. After `fall` checks its health is full, and it takes `fall` failures to go down.
  await sleep(HEALTH.intervalMs * HEALTH.fall);
  victim.kill();
  let hole: Proc | null = start('black hole', 'python3', ['-c', BLACK_HOLE, String(victim.port)]);
  try {
    const h = hole;
    await until('the black hole to listen', 5000, async () => (h.stdout().includes('ready') ? true : undefined));
    const slowest = await everyAnswered(s, victim.id, `with ${victim.id} not answering connections`);
    assert.ok(slowest >= SLOW.connectTimeoutMs - 50, `no request waited for the connect timeout (${SLOW.connectTimeoutMs} ms; the slowest took ${slowest} ms): none met the server that does not answer`);
    await hole.stop();
    hole = null;
    await everyAnswered(s, victim.id, `with ${victim.id} refusing connections`);
    return `a timed-out connection retried (the slowest request took ${slowest} ms), refused ones too`;
  } finally {
    await hole?.stop();
    await victim.start();
  }
}

const KB = 1024;
const header = (bytes: number) => 'x'.repeat(bytes);

/**
 * The ALB's request-head limits on both proxies: a request line and a header up to 16 KB, 64 KB in
 * all. A 10 KB Cookie and 60 KB in four headers pass; a 20 KB header gets 400, a 17 KB URL 414.
 */
export async function requestHeadLimits(s: Stack): Promise<void> {
  const send = (path: string, headers: Record<string, string>) => request({ port: s.ports.https, path, headers });
  const cookie = await send(`${ROUTES.rr}?cookie-10k`, { cookie: `session=${header(10 * KB)}` });
  idOf(cookie, 'a 10 KB Cookie');
  const four = Object.fromEntries([1, 2, 3, 4].map((i) => [`x-big-${i}`, header(15 * KB)]));
  idOf(await send(`${ROUTES.rr}?four-15k`, four), 'four headers of 15 KB (60 KB in all)');
  const over = await send(`${ROUTES.rr}?header-20k`, { 'x-big': header(20 * KB) });
  assert.equal(over.status, 400, `a 20 KB header: ${over.status} ${over.body.slice(0, 120)}`);
  const url = await send(`${ROUTES.rr}/${header(17 * KB)}`, {});
  assert.equal(url.status, 414, `a 17 KB URL: ${url.status} ${url.body.slice(0, 120)}`);
}

/** A WebSocket through the proxy, open once the backend's greeting arrived. */
function openTunnel(s: Stack): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${s.ports.https}${ROUTES.ws}`, { rejectUnauthorized: false, handshakeTimeout: 5000 });
    ws.once('message', () => resolve(ws));
    ws.once('error', reject);
    ws.once('close', () => reject(new Error('the tunnel closed before the greeting')));
  });
}

const alive = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;
const nginxWorkers = (master: number) => childrenOf(master).filter((c) => c.cmdline.includes('worker process')).map((c) => c.pid);

/**
 * Reload the proxy: nginx by SIGHUP to its master (done once new workers run), HAProxy by a new
 * process started with -sf (done once it serves; the caller stops it at the end). `old` lists the
 * old processes still running.
 */
async function reload(s: Stack): Promise<{ old: () => number[]; next: Proc | null }> {
  if (s.proxy === 'nginx') {
    const master = s.proc.child.pid!;
    const before = nginxWorkers(master);
    process.kill(master, 'SIGHUP');
    await until('the new nginx workers', 5000, async () => (nginxWorkers(master).some((p) => !before.includes(p)) ? true : undefined));
    return { old: () => nginxWorkers(master).filter((p) => before.includes(p)), next: null };
  }
  const env = { ...process.env, [STATS.passwordEnv]: s.statsPassword };
  const next = start('haproxy (reloaded)', 'haproxy', ['-f', join(s.dir, 'haproxy.cfg'), '-db', '-sf', String(s.proc.child.pid)], env);
  try {
    // The new process tells the old one to stop once it listens; the old one then stops accepting.
    await until('the new HAProxy process to take over', 5000, async () => (alive(next) ? (await sleep(300), true) : undefined));
  } catch (e) {
    await next.stop();
    throw e;
  }
  return { old: () => (alive(s.proc) ? [s.proc.child.pid!] : []), next };
}

/**
 * Reload the proxy while a WebSocket tunnel is open: the old process that holds it must still run
 * half-way through limits.shutdownTimeout (the tunnel keeps it), then be gone within limits.shutdownTimeout plus a
 * margin; the new configuration answers.
 */
export async function reloadEndsOldProcesses(s: Stack): Promise<string> {
  const deadline = SHUTDOWN_MS + 3000;
  const ws = await openTunnel(s);
  ws.on('error', () => undefined);
  let next: Proc | null = null;
  try {
    const t0 = Date.now();
    const reloaded = await reload(s);
    next = reloaded.next;
    const old = reloaded.old;
    // Half the bound after the reload, only the tunnel keeps an old process (an idle one ends at once).
    await sleep(SHUTDOWN_MS / 2 - (Date.now() - t0));
    const first = old();
    assert.ok(first.length > 0 && ws.readyState === WebSocket.OPEN, `${Date.now() - t0} ms after the reload, an old ${s.proxy} process still serves the tunnel (${first.length} old, tunnel state ${ws.readyState}): else this check proves nothing`);
    const left = await until(`the old ${s.proxy} processes to end`, deadline, async () => (old().length === 0 ? [] : undefined), 50).catch(() => old());
    const ms = Date.now() - t0;
    assert.deepEqual(left, [], `old ${s.proxy} process(es) ${left.join(', ')} still running ${ms} ms after the reload, with limits.shutdownTimeout ${SHUTDOWN_MS} ms`);
    if (next) assert.ok(alive(next), `the reloaded HAProxy exited:\n${next.output()}`);
    idOf(await request({ port: s.ports.https, path: `${ROUTES.rr}?after-reload` }), 'a request after the reload');
    return `old process(es) ${first.join(', ')} gone ${ms} ms after the reload`;
  } finally {
    ws.terminate();
    await next?.stop();
  }
}

/**
 * Source-IP stickiness through a reload (each deploy, each certificate renewal): many clients, each
 * on its server, keep it after the proxy reloads. HAProxy's stickiness table lives in the process
 * and a reload empties it; a new client is placed by a consistent hash of its address, which gives
 * each client its server back. nginx's hash holds no state.
 */
export async function stickinessThroughReload(s: Stack): Promise<{ clients: number; servers: number }> {
  const clients = Array.from({ length: 24 }, (_, i) => `127.0.6.${10 + i}`);
  const serverOf = async () => Promise.all(clients.map(async (from) => idOf(await request({ port: s.ports.https, path: `${ROUTES.sticky}?from=${from}`, from }), `client ${from}`)));
  const before = await serverOf();
  const servers = new Set(before).size;
  assert.ok(servers >= 2, `${clients.length} clients spread over the pool before the reload: ${before.join(', ')}`);
  const { old, next } = await reload(s);
  try {
    // The old process serves no new connection once the new one has taken over; wait for it to end.
    await until(`the old ${s.proxy} processes to end`, 5000, async () => (old().length === 0 ? true : undefined), 50);
    const after = await serverOf();
    const moved = clients.flatMap((c, i) => (after[i] === before[i] ? [] : [`${c}: ${before[i]} then ${after[i]}`]));
    assert.deepEqual(moved, [], `${moved.length} of ${clients.length} clients moved to another server after a reload`);
  } finally {
    await next?.stop();
  }
  return { clients: clients.length, servers };
}
