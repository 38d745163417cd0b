/**
 * End-to-end behaviour of lbgen's haproxy.cfg: the real HAProxy in front of local backends, on
 * loopback only. Checks are numbered as in issue 5 (11-13: issue 9's monitoring and capacity);
 * failover goes last since it kills a backend.
 */
import { after, before, describe, test } from 'node:test';
import { cookieStickiness, leastConnPrefersIdle, weightsShareTraffic, leastConnReachesAll, redirectsToHttps, roundRobinReachesAll, stickiness, webSocketEchoes } from './e2e/checks-routing.js';
import { allowFrom, forwardedHeaders, rateLimit, securityHeaders, tlsCiphers, tlsProtocols } from './e2e/checks-policy.js';
import { healthCheckRotation, killWhileTrafficFlows } from './e2e/checks-health.js';
import { serverMaintenanceCycle, statsNeedLogin } from './e2e/checks-stats.js';
import { connectionLimit, jsonAccessLog, metricsEndpoint } from './e2e/checks-monitoring.js';
import { applicationErrorsKeepServers, largeHeadersAndBodies, onlyWebSocketUpgrades, securityHeaderReplacesApplications, spoofedForwardingDropped } from './e2e/checks-edge.js';
import { type Stack, startStack } from './e2e/stack.js';
import { CAPACITY } from './e2e/topology.js';
import { requireTool } from './helpers/validators.js';

const missing = requireTool('haproxy');

/** A check that hangs fails after this instead of holding the suite (the slowest takes ~5 s). */
const timeout = 30_000;

describe('e2e haproxy', { skip: missing ?? false }, () => {
  let s: Stack;
  before(async () => {
    s = await startStack('haproxy');
  });
  after(() => s?.stop());

  test('1 plain HTTP answers 301 to HTTPS, same host, path, query and port', { timeout }, () => redirectsToHttps(s));
  test('2 round robin takes turns over every backend', { timeout }, () => roundRobinReachesAll(s));
  test('2 least connections reaches every backend', { timeout }, () => leastConnReachesAll(s));
  test('2 least connections: new requests go to the one idle backend', { timeout }, () => leastConnPrefersIdle(s));
  test('2 weights: a pool weighted 3 and 1 shares 40 requests 30 to 10', { timeout }, () => weightsShareTraffic(s));
  test('3 WebSocket upgrade echoes through the proxy', { timeout }, () => webSocketEchoes(s));
  test('4 stickiness by source address, plain and WebSocket; clients spread', { timeout }, () => stickiness(s));
  test('4b stickiness by cookie: HAProxy issues it (HttpOnly, Secure, Max-Age), a client sending it back keeps its server from any address', { timeout }, () => cookieStickiness(s));
  test('6 allowFrom: allowed addresses answered, another loopback address 403', { timeout }, () => allowFrom(s));
  test('7 rate limit: 429 at once past the burst, other routes and clients unthrottled', { timeout }, () => rateLimit(s));
  test('8 security headers on every HTTPS answer (403, 429 too), never HSTS over HTTP', { timeout }, () => securityHeaders(s));
  test('8 TLS 1.2: the same ciphers as the other proxy, forward secrecy and AEAD only', { timeout }, () => tlsCiphers(s));
  test('8 TLS: TLS 1.1 refused, 1.2 and 1.3 accepted, HTTP/2 offered by ALPN', { timeout }, () => tlsProtocols(s));
  test('9 backends get X-Forwarded-For, X-Forwarded-Proto: https and the client\'s Host', { timeout }, () => forwardedHeaders(s));
  test('10 stats page: 401 without the login, 403 outside stats.allowFrom, no anonymous state change', { timeout }, () => statsNeedLogin(s));
  test('11 metrics: Prometheus exporter answers allowed addresses, another loopback address 403', { timeout }, () => metricsEndpoint(s));
  test('12 JSON access log on stdout: every line parses (after a server state change), each request names the backend that answered', { timeout }, async (t) => {
    await serverMaintenanceCycle(s, `e2e_${CAPACITY.pool}`, CAPACITY.id);
    const r = await jsonAccessLog(s);
    t.diagnostic(`${r.lines} lines parsed, ${r.checked} requests matched to their backend`);
  });
  test('13 a server at maxConnections: the next request queues for limits.queueTimeout, then 503', { timeout }, async (t) => {
    const r = await connectionLimit(s);
    t.diagnostic(`${r.status} after ${r.waitedMs} ms`);
  });
  test('14 client-made X-Forwarded-For, X-Forwarded-Host and Forwarded never reach a backend as sent', { timeout }, () => spoofedForwardingDropped(s));
  test('15 an h2c upgrade on the WebSocket route goes on as a plain request', { timeout }, () => onlyWebSocketUpgrades(s));
  test('16 application 500s take no server out of rotation', { timeout }, () => applicationErrorsKeepServers(s));
  test('17 the topology\'s security header replaces the application\'s own', { timeout }, () => securityHeaderReplacesApplications(s));
  test('18 a 6 KB response header and a 2 MB body pass', { timeout }, () => largeHeadersAndBodies(s));
  test('5 health check: /health 503 leaves rotation within interval x fall, back after rise', { timeout }, async (t) => {
    const { downMs, upMs } = await healthCheckRotation(s);
    t.diagnostic(`left rotation after ${downMs} ms, back after ${upMs} ms`);
  });
  test('5 failover: killing a backend under traffic fails no request', { timeout }, async (t) => {
    const r = await killWhileTrafficFlows(s);
    t.diagnostic(`killed ${r.victim}: ${r.requests} requests, none failed, slowest ${r.slowestMs} ms`);
  });
});
