/**
 * listen.trustedProxies and limits.ipv6PrefixLength on the real proxies, each on a stack of its own.
 * 127.0.0.1 plays the balancer in front; the client addresses it names (in X-Forwarded-For or a
 * PROXY header) are only text: nothing is ever connected to but 127.0.0.1. IPv6 clients are named
 * the same way, with documentation addresses (2001:db8::/32), so no IPv6 socket is needed.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { type Reply, echoOf, parallel, request } from './client.js';
import { idOf } from './expect.js';
import { until } from './proc.js';
import type { Stack } from './stack.js';
import { ROUTES } from './topology.js';

/** The balancer in front: its X-Forwarded-For and PROXY headers are believed; 127.0.0.2 and the rest are clients. */
export const TRUSTED = '127.0.0.1';

/** The topology edit: X-Forwarded-For from 127.0.0.1 names the client. */
export const behindProxy = (doc: Record<string, unknown>): void => {
  doc.listen = { ...(doc.listen as object), trustedProxies: [`${TRUSTED}/32`] };
};

/** The topology edit: every connection starts with a PROXY header; plain HTTP serves the routes (no redirect), to keep the client simple. */
export const behindTcpProxy = (doc: Record<string, unknown>): void => {
  doc.listen = { ...(doc.listen as object), trustedProxies: [`${TRUSTED}/32`], proxyProtocol: true, redirectToHttps: false };
};

const via = (s: Stack, path: string, from: string, xff?: string): Promise<Reply> =>
  request({ port: s.ports.https, path, from, ...(xff === undefined ? {} : { headers: { 'x-forwarded-for': xff } }) });

/** The addresses a backend was told (X-Forwarded-For and X-Real-IP) for one request. */
function toldBackend(r: Reply, what: string): string {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.body.slice(0, 200)}`);
  const h = echoOf(r).headers;
  assert.equal(h['x-real-ip'], h['x-forwarded-for'], `${what}: X-Real-IP and X-Forwarded-For agree`);
  return String(h['x-forwarded-for']);
}

/**
 * allowFrom (/private: 127.0.0.1 and 127.0.0.2) sees the address X-Forwarded-For names when the
 * request comes from the trusted proxy: the rightmost address that is not itself trusted, so a
 * client cannot put an allowed address left of its own. From anyone else the header is ignored.
 * The backend and the access log see the same address.
 */
export async function allowFromBehindProxy(s: Stack): Promise<void> {
  const cases: [from: string, xff: string, status: number][] = [
    [TRUSTED, '127.0.0.3', 403],
    [TRUSTED, '127.0.0.2', 200],
    // Two hops: the trusted proxy's own address is skipped, the one left of it is the client.
    [TRUSTED, '127.0.0.3, 127.0.0.1', 403],
    [TRUSTED, '127.0.0.2, 127.0.0.1', 200],
    // A client-made entry left of the client's real address is never reached.
    [TRUSTED, '127.0.0.2, 127.0.0.3', 403],
    // An entry that is not an address ends the walk: the last trusted address (the proxy's own, allowed) is the client.
    [TRUSTED, '127.0.0.3, not-an-address', 200],
    // Not from the trusted proxy: the header is ignored.
    ['127.0.0.3', '127.0.0.2', 403],
    ['127.0.0.2', '127.0.0.3', 200],
  ];
  const got: string[] = [];
  for (const [from, xff, status] of cases) {
    const r = await via(s, ROUTES.private, from, xff);
    if (r.status !== status) got.push(`from ${from} with X-Forwarded-For "${xff}": ${r.status}, expected ${status}`);
  }
  assert.deepEqual(got, [], `allowFrom ${ROUTES.private} behind a trusted proxy`);
  // The backend hears of the client alone: neither the trusted hop nor the client-made entries.
  assert.equal(toldBackend(await via(s, ROUTES.rr, TRUSTED, '127.0.0.9, 127.0.0.50, 127.0.0.1'), 'through the proxy'), '127.0.0.50');
  // The access log names the client too.
  await until('the access log line of 127.0.0.50', 3000, async () => (s.accessLog().some((l) => l.includes('"client":"127.0.0.50"')) ? true : undefined));
  assert.equal(toldBackend(await via(s, ROUTES.rr, '127.0.0.2', '127.0.0.50'), 'from an untrusted peer'), '127.0.0.2');
}

/** Requests of one burst on the rate-limited route (perSecond 2, burst 4): how many were refused with 429. */
async function refusedOf(s: Stack, from: string, xff: string, n = 12): Promise<number> {
  const replies = await parallel(n, (i) => via(s, `${ROUTES.api}?i=${i}`, from, xff));
  const other = replies.filter((r) => r.status !== 200 && r.status !== 429);
  assert.deepEqual(other.map((r) => r.status), [], 'only 200 and 429');
  return replies.filter((r) => r.status === 429).length;
}

/** The status of one request right after a burst: 429 when it shares the burst's limit. */
const after = async (s: Stack, from: string, xff: string) => (await via(s, ROUTES.api, from, xff)).status;

/**
 * Two clients behind the one trusted proxy are rate-limited apart; from an untrusted peer the header
 * changes nothing (its bursts share the peer's limit whatever address it claims).
 */
export async function rateLimitBehindProxy(s: Stack): Promise<void> {
  assert.ok(await refusedOf(s, TRUSTED, '127.0.0.30') > 0, 'a burst from one client behind the proxy is limited');
  assert.equal(await after(s, TRUSTED, '127.0.0.31'), 200, 'another client behind the same proxy, right after the first one\'s burst');
  assert.ok(await refusedOf(s, '127.0.0.40', '127.0.0.41') > 0, 'a burst from an untrusted peer is limited');
  assert.equal(await after(s, '127.0.0.40', '127.0.0.42'), 429, 'the untrusted peer claiming another address, right after its burst');
}

/** IPv6 clients are counted per /64: two addresses of one /64 share a limit, another /64 has its own. */
export async function ipv6PrefixBehindProxy(s: Stack): Promise<void> {
  assert.ok(await refusedOf(s, TRUSTED, '2001:db8:0:1::a') > 0, 'a burst from 2001:db8:0:1::a is limited');
  assert.equal(await after(s, TRUSTED, '2001:db8:0:1:ffff:ffff:ffff:b'), 429, 'another address of the same /64, right after the burst');
  assert.equal(await after(s, TRUSTED, '2001:db8:0:2::a'), 200, 'the same low bits in another /64');
  // IPv4 clients stay per address.
  assert.ok(await refusedOf(s, TRUSTED, '127.0.0.60') > 0, 'a burst from 127.0.0.60 is limited');
  assert.equal(await after(s, TRUSTED, '127.0.0.61'), 200, 'the next IPv4 address');
}

/** A PROXY protocol header, version 1 (text) or 2 (binary), for a TCP over IPv4 connection. */
export function proxyHeader(version: 1 | 2, client: string, server: string, clientPort: number, serverPort: number): Buffer {
  if (version === 1) return Buffer.from(`PROXY TCP4 ${client} ${server} ${clientPort} ${serverPort}\r\n`);
  const addresses = Buffer.alloc(12);
  [...client.split('.'), ...server.split('.')].forEach((octet, i) => addresses.writeUInt8(Number(octet), i));
  addresses.writeUInt16BE(clientPort, 8);
  addresses.writeUInt16BE(serverPort, 10);
  // Signature, version 2 + PROXY command, TCP over IPv4, 12 bytes of addresses and ports.
  const head = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c]);
  return Buffer.concat([head, addresses]);
}

/**
 * A plain HTTP/1.1 request from `from` on a connection that starts with `header` (none: a client
 * that does not speak the PROXY protocol), written on the socket itself so that nothing comes
 * before the header; the connection closes after the answer.
 */
function viaTcpProxy(s: Stack, path: string, from: string, header: Buffer | null, extra = ''): Promise<Reply | { error: string }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: s.ports.http, localAddress: from });
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    if (header) socket.write(header);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
      if (!m) return resolve({ error: text === '' ? 'closed without an answer' : `not HTTP: ${text.slice(0, 80)}` });
      const headers: IncomingHttpHeaders = {};
      for (const line of m[2]!.split('\r\n')) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      resolve({ status: Number(m[1]), headers, body: headers['transfer-encoding'] === 'chunked' ? dechunk(m[3]!) : m[3]!, ms: Date.now() - t0 });
    });
  });
}

/** A chunked body's data (the answers here are small JSON texts: sizes count characters). */
function dechunk(text: string): string {
  let out = '';
  for (let rest = text; ;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/**
 * The PROXY header's address is the client's, v1 and v2 alike, when the connection comes from the
 * trusted proxy; an untrusted peer keeps its own address whatever its header says; a connection
 * without a header is refused.
 */
export async function proxyProtocolAddress(s: Stack): Promise<void> {
  const cases: [from: string, version: 1 | 2, client: string, status: number][] = [
    [TRUSTED, 1, '127.0.0.3', 403],
    [TRUSTED, 1, '127.0.0.2', 200],
    [TRUSTED, 2, '127.0.0.3', 403],
    [TRUSTED, 2, '127.0.0.2', 200],
    ['127.0.0.3', 1, '127.0.0.2', 403],
    ['127.0.0.3', 2, '127.0.0.2', 403],
    ['127.0.0.2', 1, '127.0.0.3', 200],
  ];
  const got: string[] = [];
  for (const [from, version, client, status] of cases) {
    const r = await viaTcpProxy(s, ROUTES.private, from, proxyHeader(version, client, '127.0.0.1', 40000, s.ports.http));
    const seen = 'error' in r ? r.error : r.status;
    if (seen !== status) got.push(`from ${from} with a PROXY v${version} header naming ${client}: ${seen}, expected ${status}`);
  }
  assert.deepEqual(got, [], `allowFrom ${ROUTES.private} behind a PROXY protocol balancer`);
  const told = await viaTcpProxy(s, ROUTES.rr, TRUSTED, proxyHeader(2, '127.0.0.50', '127.0.0.1', 40000, s.ports.http));
  assert.ok(!('error' in told), `a proxied request: ${JSON.stringify(told)}`);
  assert.equal(toldBackend(told, 'through the PROXY protocol'), '127.0.0.50');
  // A TCP balancer adds no header: an X-Forwarded-Proto is the client's own, and is replaced.
  const claimed = await viaTcpProxy(s, ROUTES.rr, TRUSTED, proxyHeader(2, '127.0.0.50', '127.0.0.1', 40000, s.ports.http), 'X-Forwarded-Proto: https\r\n');
  assert.ok(!('error' in claimed) && claimed.status === 200, `a proxied request claiming HTTPS: ${JSON.stringify(claimed).slice(0, 200)}`);
  assert.equal(echoOf(claimed as Reply).headers['x-forwarded-proto'], 'http', 'X-Forwarded-Proto through a PROXY protocol balancer: the connection\'s scheme');
  const bare = await viaTcpProxy(s, ROUTES.rr, TRUSTED, null);
  assert.ok('error' in bare || bare.status === 400, `a connection without a PROXY header is refused: ${JSON.stringify(bare).slice(0, 200)}`);
}

/**
 * The scheme the trusted balancer says its client used (X-Forwarded-Proto: http or https, in any
 * case) reaches the servers: a CDN that terminates TLS still tells the application how its client
 * came. Anything else it sends, and whatever anyone else sends, gives way to this connection's own
 * scheme (https here): a client cannot make the application believe another.
 */
export async function forwardedProtoBehindProxy(s: Stack): Promise<void> {
  const cases: [from: string, sent: string | undefined, told: string][] = [
    [TRUSTED, 'http', 'http'],
    [TRUSTED, 'HTTP', 'http'],
    [TRUSTED, 'https', 'https'],
    [TRUSTED, undefined, 'https'],
    [TRUSTED, 'ftp', 'https'],
    [TRUSTED, 'http, https', 'https'],
    ['127.0.0.3', 'http', 'https'],
    ['127.0.0.2', 'HTTP', 'https'],
  ];
  const got: string[] = [];
  for (const [from, sent, told] of cases) {
    const r = await request({ port: s.ports.https, path: ROUTES.rr, from, ...(sent === undefined ? {} : { headers: { 'x-forwarded-proto': sent } }) });
    const seen = r.status === 200 ? echoOf(r).headers['x-forwarded-proto'] : `status ${r.status}`;
    if (seen !== told) got.push(`from ${from} with X-Forwarded-Proto ${sent ?? '(none)'}: the backend was told ${String(seen)}, expected ${told}`);
  }
  assert.deepEqual(got, [], 'X-Forwarded-Proto behind a trusted HTTP balancer');
}

/** The topology edit: behind the trusted proxy, with a limit of 2 requests in progress per client. */
export const behindProxyPerClient = (doc: Record<string, unknown>): void => {
  behindProxy(doc);
  doc.limits = { ...(doc.limits as object), connectionsPerClient: 2 };
};

/**
 * limits.connectionsPerClient counts each client behind the proxy apart (both proxies count
 * requests in progress there and answer 429 beyond): one client at its limit is refused a third
 * request, another client through the same proxy connection source is served meanwhile.
 */
export async function perClientBehindProxy(s: Stack): Promise<void> {
  const active = () => s.backends.reduce((n, b) => n + b.active('/park'), 0);
  const held = [0, 1].map((i) => via(s, `/park?hold=1500&n=${i}`, TRUSTED, '127.0.0.70'));
  for (const h of held) h.catch(() => undefined);
  await until('2 held requests of 127.0.0.70 to reach the backends', 2000, async () => (active() >= 2 ? true : undefined), 10);
  const third = await via(s, `${ROUTES.rr}?third=1`, TRUSTED, '127.0.0.70');
  assert.equal(third.status, 429, `a third request of 127.0.0.70 while 2 are in progress: ${third.status}`);
  idOf(await via(s, `${ROUTES.rr}?other=1`, TRUSTED, '127.0.0.71'), 'another client behind the same proxy meanwhile');
  for (const h of await Promise.all(held)) idOf(h, 'a held request of 127.0.0.70');
}

/**
 * sticky.by: source-ip keeps each client behind the proxy on its server, and spreads many clients
 * over the pool (they all share one connecting address, which alone would put them on one server).
 */
export async function stickyBehindProxy(s: Stack): Promise<void> {
  const servers = new Set<string>();
  for (let c = 0; c < 12; c++) {
    const client = `127.0.1.${c + 1}`;
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) ids.add(idOf(await via(s, `${ROUTES.sticky}?c=${c}&i=${i}`, TRUSTED, client), `${ROUTES.sticky} for ${client}`));
    assert.equal(ids.size, 1, `${client} kept on one server: ${[...ids].join(', ')}`);
    servers.add([...ids][0]!);
  }
  assert.ok(servers.size >= 2, `12 clients behind one proxy spread over the pool: ${[...servers].join(', ')}`);
}

/** The harness (not a mutation): nginx tells each answer's per-client key in a response header. */
export const CLIENT_KEY_HEADER = 'x-lbgen-test-client-key';
export function showClientKey(config: string): string {
  // In the HTTPS server, the only one with TLS settings.
  const out = config.replace(/^(\s+)(ssl_session_tickets off;\n)/m, `$1$2$1add_header ${CLIENT_KEY_HEADER} "$lbgen_client" always;\n`);
  if (out === config) throw new Error('the client-key harness found no place in the rendered configuration');
  return out;
}

/** Deterministic pseudo-random 16-bit groups, rich in zeros so that "::" falls everywhere. */
function addressGroups(seed: number, count: number): number[][] {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xffff;
  return Array.from({ length: count }, () => Array.from({ length: 8 }, () => (next() % 3 === 0 ? 0 : next() % 5 === 0 ? next() & 0xf : next())));
}

/**
 * nginx's per-client key over many IPv6 addresses, each written in X-Forwarded-For in a form nginx
 * prints otherwise (all eight groups with leading zeros, upper case, or compressed): the key must
 * be the address's /64, whatever the form, as test/clientkey.test.ts predicts from nginx's source.
 */
export async function clientKeysOnNginx(s: Stack): Promise<number> {
  const wrong: string[] = [];
  let n = 0;
  for (const [i, groups] of addressGroups(11, 60).entries()) {
    // ::ffff:a.b.c.d and ::a.b.c.d print with a dotted tail and are counted whole: left out here.
    if (groups.slice(0, 5).every((g) => g === 0)) continue;
    const hex = groups.map((g) => g.toString(16));
    const forms = [groups.map((g) => g.toString(16).padStart(4, '0')).join(':'), hex.join(':').toUpperCase(), hex.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')];
    const form = forms[i % forms.length]!;
    const r = await via(s, ROUTES.rr, TRUSTED, form);
    const want = hex.slice(0, 4).join(':');
    if (r.headers[CLIENT_KEY_HEADER] !== want) wrong.push(`${form}: ${String(r.headers[CLIENT_KEY_HEADER])}, expected ${want}`);
    n++;
  }
  assert.deepEqual(wrong, [], 'nginx per-client keys (/64)');
  return n;
}
