/**
 * Checks 11-13 (issue 9): the metrics endpoint answers its allowed clients only; the JSON access
 * log has one parseable object per request naming the server that answered; a server at its
 * connection limit makes the next request wait for `limits.queueTimeout` and then get 503
 * (HAProxy), or fail at once with 502 (nginx open source, which has no queue: a declared gap).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type Reply, echoOf, handshake, request } from './client.js';
import { idOf } from './expect.js';
import { until } from './proc.js';
import type { Stack } from './stack.js';
import { CAPACITY, METRICS, ROUTES } from './topology.js';

const https = (s: Stack, path: string, from = '127.0.0.1') => request({ port: s.ports.https, path, from });
const metrics = (s: Stack, from: string, path: string = METRICS.path) => request({ port: s.ports.metrics, path, tls: false, from });

/** Addresses outside monitoring.metrics.allowFrom. */
const REFUSED = ['127.0.0.3', '127.1.2.3'] as const;

/**
 * 11: the metrics port answers every allowed address with the proxy's metrics (stub_status text
 * for nginx, the Prometheus exporter for HAProxy) and refuses any other loopback address with 403.
 */
export async function metricsEndpoint(s: Stack): Promise<void> {
  // Traffic first, so that HAProxy's per-backend response counters have something to show.
  idOf(await https(s, `${ROUTES.rr}?metrics=1`), `${ROUTES.rr} before the scrape`);
  for (const from of METRICS.allowed) {
    const r = await metrics(s, from);
    assert.equal(r.status, 200, `GET ${METRICS.path} on the metrics port from allowed ${from}: ${r.status} ${r.body.slice(0, 200)}`);
    if (s.proxy === 'nginx') {
      assert.match(r.body, /^Active connections: \d+/m, `stub_status from ${from}: ${r.body.slice(0, 200)}`);
      assert.match(r.body, /^server accepts handled requests\n\s*\d+ \d+ \d+/m, `stub_status counters from ${from}`);
    } else {
      assert.match(r.body, /^# TYPE haproxy_backend_http_responses_total counter$/m, `the exporter from ${from} has haproxy_backend_http_responses_total`);
      assert.match(r.body, /^haproxy_backend_http_responses_total\{proxy="e2e_rr",code="2xx"\} [1-9]/m, `2xx responses of the rr pool counted: ${r.body.split('\n').filter((l) => l.startsWith('haproxy_backend_http_responses_total')).slice(0, 6).join('\n')}`);
    }
  }
  for (const from of REFUSED) {
    for (const path of [METRICS.path, `${METRICS.path}?x=1`]) {
      const r = await metrics(s, from, path);
      assert.equal(r.status, 403, `GET ${path} on the metrics port from ${from} (not in allowFrom): ${r.status} ${r.body.slice(0, 200)}`);
      assert.doesNotMatch(r.body, NO_METRICS, `no metrics in the refusal to ${from}`);
    }
    // Any other path is closed too (HAProxy refuses everything from outside allowFrom with 403; nginx answers 404 there).
    for (const path of ['/', `${METRICS.path}/x`, '/stats']) {
      const r = await metrics(s, from, path);
      assert.ok(r.status === 403 || r.status === 404, `GET ${path} on the metrics port from ${from}: ${r.status} ${r.body.slice(0, 200)}`);
      assert.doesNotMatch(r.body, NO_METRICS, `no metrics at ${path} for ${from}`);
    }
  }
}

const NO_METRICS = /haproxy_|Active connections|server accepts/;

/** Fields both proxies' JSON access logs carry (issue 9: time, client, method, path, status, bytes, upstream address). */
const COMMON_FIELDS = ['time', 'client', 'method', 'path', 'status', 'bytes', 'upstream'] as const;

type LogEntry = Record<string, unknown>;

/**
 * 12: after requests from a known client to two pools, the line of each of those requests names
 * its client, path, status 200 and, as upstream, the address and port of the backend that
 * answered it; and every line of the access log is a JSON object, whatever happened before
 * (the HAProxy suite puts a server into maintenance and back first: see serverMaintenanceCycle).
 * A refused TLS handshake comes first: HAProxy logs connection errors in a format of their own,
 * which must be JSON too (nginx writes them to its error log, not the access log).
 */
export async function jsonAccessLog(s: Stack): Promise<{ lines: number; checked: number }> {
  const mark = randomBytes(6).toString('hex');
  const from = '127.0.0.7';
  const expected = new Map<string, string>();
  const bodies = new Map<string, number>();
  assert.match(await handshake(s.ports.https, 'AES128-SHA', from), /^refused: /, 'a handshake offering only a weak cipher');
  for (let i = 0; i < 6; i++) {
    const path = `${i % 2 ? ROUTES.rr : CAPACITY.route}?log=${mark}&i=${i}`;
    const reply = await https(s, path, from);
    const id = idOf(reply, path);
    expected.set(path, `127.0.0.1:${s.backend(id).port}`);
    bodies.set(path, Buffer.byteLength(reply.body));
  }
  // A proxy writes the line when it has finished the request, which may be just after the client has the answer.
  const entries = await until(`access log lines for the ${expected.size} requests`, 2000, async () => {
    const parsed = s.accessLog().map(parse);
    const ours = parsed.filter((e): e is LogEntry => !(e instanceof Error) && String(e.path).includes(mark));
    return ours.length >= expected.size ? parsed : undefined;
  });
  for (const [path, upstream] of expected) {
    const lines = entries.filter((e): e is LogEntry => !(e instanceof Error) && e.path === path);
    assert.equal(lines.length, 1, `one access log line for ${path}: ${JSON.stringify(lines)}`);
    const e = lines[0]!;
    for (const field of COMMON_FIELDS) assert.ok(field in e, `field ${field} in ${JSON.stringify(e)}`);
    assert.equal(e.upstream, upstream, `upstream of ${path} is the backend that answered: ${JSON.stringify(e)}`);
    assert.equal(e.client, from, `client of ${path}`);
    assert.equal(e.method, 'GET', `method of ${path}`);
    assert.equal(e.status, 200, `status of ${path} (a JSON number)`);
    assert.equal(typeof e.bytes, 'number', `bytes of ${path} (a JSON number): ${JSON.stringify(e)}`);
    // Both count what went to the client, headers included (nginx's $bytes_sent, HAProxy's %B).
    assert.ok((e.bytes as number) > bodies.get(path)! + 50, `bytes of ${path} include the headers (body ${bodies.get(path)} bytes): ${JSON.stringify(e)}`);
    // Both proxies write ISO 8601 (the offset as +00:00 or +0000), which Date.parse reads: within a minute of now.
    assert.match(String(e.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:?\d\d$/, `time of ${path} in ISO 8601: ${JSON.stringify(e)}`);
    assert.ok(Math.abs(Date.parse(String(e.time)) - Date.now()) < 60_000, `time of ${path} is now: ${JSON.stringify(e)}`);
  }
  if (s.proxy === 'haproxy') {
    const errors = await until('the refused handshake in the log', 2000, async () => {
      const found = s.accessLog().map(parse).filter((e): e is LogEntry => !(e instanceof Error) && 'error' in e && e.client === from);
      return found.length > 0 ? found : undefined;
    });
    assert.match(String(errors[0]!.error), /SSL handshake failure/, `the connection error is named: ${JSON.stringify(errors[0])}`);
  }
  // Last, the whole log: a consumer reading it as JSON lines must not meet anything else.
  const bad = entries.map((e, i) => [i, e] as const).filter(([, e]) => e instanceof Error);
  assert.deepEqual(bad.map(([i, e]) => `line ${i + 1}: ${(e as Error).message}`), [], `every access log line is a JSON object (${bad.length} of ${entries.length} are not)`);
  return { lines: entries.length, checked: expected.size };
}

function parse(line: string): LogEntry | Error {
  try {
    const v: unknown = JSON.parse(line);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as LogEntry;
    return new Error(`not an object: ${line.slice(0, 200)}`);
  } catch (e) {
    return new Error(`${(e as Error).message}: ${line.slice(0, 200)}`);
  }
}

/**
 * How long the request that holds the server's only slot lasts: on HAProxy past the queue timeout,
 * with room for the 503; on nginx, which answers at once, just long enough for the next request.
 */
const HOLD_MS = { haproxy: CAPACITY.queueTimeoutMs + 400, nginx: 400 } as const;
/** Scheduling slack on a small machine. */
const SLACK_MS = 400;

/**
 * 13: with the capacity server's one connection busy (a held request), the next request on its
 * route never reaches it: HAProxy queues it for limits.queueTimeout and then answers 503; nginx
 * answers 502 at once. Once the held request is answered, the route serves again at once.
 */
export async function connectionLimit(s: Stack): Promise<{ status: number; waitedMs: number }> {
  const server = s.backend(CAPACITY.id);
  const route = CAPACITY.route;
  const hold = HOLD_MS[s.proxy];
  const held = https(s, `${route}?hold=${hold}`);
  // Awaited below; should a check fail first, its failure must not turn into an unhandled rejection when the stack stops.
  held.catch(() => undefined);
  await until(`the held request to reach ${CAPACITY.id}`, 2000, async () => (server.active(route) >= 1 ? true : undefined), 10);
  // Requests on the route only: the health check keeps coming meanwhile (it takes no connection slot).
  const routed = () => server.seen.filter((p) => p === route || p.startsWith(`${route}/`)).length;
  const seenBefore = routed();
  const next = await https(s, `${route}?next=1`);
  assert.equal(routed(), seenBefore, `the request over the limit never reached ${CAPACITY.id} (maxConnections ${CAPACITY.maxConnections})`);
  if (s.proxy === 'haproxy') {
    assert.equal(next.status, 503, `over the limit, after the queue: ${describe(next)}`);
    assert.ok(next.ms >= CAPACITY.queueTimeoutMs - 50 && next.ms <= CAPACITY.queueTimeoutMs + SLACK_MS,
      `503 after waiting about limits.queueTimeout (${CAPACITY.queueTimeoutMs} ms): waited ${next.ms} ms`);
  } else {
    assert.equal(next.status, 502, `over the limit (nginx has no queue): ${describe(next)}`);
    assert.ok(next.ms < SLACK_MS, `502 at once, not after a wait: ${next.ms} ms`);
  }
  const first = await held;
  assert.equal(echoOf(first).id, CAPACITY.id, 'the held request is answered by the capacity server');
  assert.ok(first.ms >= hold, `the held request was held ${first.ms} ms`);
  // The slot is free again: the route answers without waiting.
  const after = await https(s, `${route}?after=1`);
  assert.equal(idOf(after, `${route} once the slot is free`), CAPACITY.id);
  assert.ok(after.ms < SLACK_MS, `${route} answers at once when the server has a free slot: ${after.ms} ms`);
  return { status: next.status, waitedMs: next.ms };
}

const describe = (r: Reply) => `${r.status} after ${r.ms} ms: ${r.body.slice(0, 120)}`;
