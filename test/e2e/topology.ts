/**
 * The topology under test: every mechanism the checks exercise, pointed at the local backends and
 * at ports chosen at run time, with health checks fast enough that failover is measured in seconds.
 */
import yaml from 'js-yaml';

/** `backends` holds the port of each of ALL_BACKEND_IDS, in that order. */
export type Ports = { http: number; https: number; stats: number; metrics: number; backends: readonly number[] };
export type TlsFiles = { cert: string; key: string; bundle: string };

/** Health-check timing; the checks derive their deadlines from these. */
export const HEALTH = { intervalMs: 500, rise: 2, fall: 3 } as const;
export const RATE = { perSecond: 2, burst: 4 } as const;
/** Clients allowed on /private; any other loopback address must get 403. */
export const ALLOWED = ['127.0.0.1', '127.0.0.2'] as const;
export const STATS = { user: 'admin', passwordEnv: 'LBGEN_E2E_STATS_PASSWORD', path: '/stats', allowed: ['127.0.0.1'] } as const;
export const DOMAIN = 'e2e.lbgen.test';
/** The members of the balanced pools. */
export const BACKEND_IDS = ['b1', 'b2', 'b3'] as const;
/**
 * Capacity (issue 9): one server with a connection limit, alone in its own pool and route so that
 * the balanced pools keep unlimited servers. Past the limit HAProxy queues a request for
 * `limits.queueTimeout`, then answers 503; nginx open source has no queue and answers 502 at once.
 */
export const CAPACITY = { id: 'c1', route: '/capacity', pool: 'capacity', maxConnections: 1, queueTimeoutMs: 1000 } as const;
/** Every backend process of the stack: the balanced ones, then the capacity one. */
export const ALL_BACKEND_IDS = [...BACKEND_IDS, CAPACITY.id] as const;
/** monitoring.metrics: clients allowed on the metrics port; any other loopback address must get 403. */
export const METRICS = { path: '/metrics', allowed: ['127.0.0.1', '127.0.0.2'] } as const;

/** Weights: a pool of two servers weighted 3 and 1, each in front of one of the balanced backends. */
export const WEIGHTED = { route: '/weighted', pool: 'weighted', servers: [{ id: 'w3', backend: 'b1', weight: 3 }, { id: 'w1', backend: 'b2', weight: 1 }] } as const;

export const ROUTES = { ws: '/ws', sticky: '/sticky', cookie: '/cookie', weighted: WEIGHTED.route, api: '/api', private: '/private', rr: '/rr', capacity: CAPACITY.route, lc: '/' } as const;
/** sticky.by: cookie, issued by the balancer: the default cookie name, an hour. */
export const COOKIE = { name: 'lbgen', ttlSeconds: 3600 } as const;

/** `edit` changes the document before it is written (a check that needs a setting of its own). */
export function topologyText(ports: Ports, tls: TlsFiles, edit?: (doc: Record<string, unknown>) => void): string {
  const healthCheck = { path: '/health', interval: `${HEALTH.intervalMs}ms`, rise: HEALTH.rise, fall: HEALTH.fall };
  const members = [...BACKEND_IDS];
  const doc = {
    version: 1,
    name: 'e2e',
    domains: [DOMAIN],
    listen: { address: '127.0.0.1', http: ports.http, https: ports.https, redirectToHttps: true },
    tls: { certificate: tls.cert, key: tls.key, bundle: tls.bundle, minVersion: 'TLSv1.2', http2: true },
    securityHeaders: {
      hsts: { maxAge: 63072000, includeSubDomains: true },
      frameOptions: 'DENY',
      contentTypeOptions: 'nosniff',
      referrerPolicy: 'no-referrer',
    },
    servers: {
      ...Object.fromEntries(BACKEND_IDS.map((id, i) => [id, { address: '127.0.0.1', port: ports.backends[i] }])),
      [CAPACITY.id]: { address: '127.0.0.1', port: ports.backends[ALL_BACKEND_IDS.indexOf(CAPACITY.id)], maxConnections: CAPACITY.maxConnections },
      ...Object.fromEntries(WEIGHTED.servers.map((w) => [w.id, { address: '127.0.0.1', port: ports.backends[ALL_BACKEND_IDS.indexOf(w.backend)], weight: w.weight }])),
    },
    pools: {
      lc: { servers: members, balance: 'least-connections', healthCheck },
      rr: { servers: members, balance: 'round-robin', healthCheck },
      sticky: { servers: members, sticky: { by: 'source-ip' }, healthCheck, timeouts: { tunnel: '1h' } },
      cookie: { servers: members, sticky: { by: 'cookie', ttl: `${COOKIE.ttlSeconds}s` }, healthCheck },
      [WEIGHTED.pool]: { servers: WEIGHTED.servers.map((w) => w.id), healthCheck },
      // The same fast health check as the others. Without one, HAProxy's output gives the pool a TCP
      // check every 30 s (for passive ejection), and HAProxy spreads the first check of every server
      // over the smallest interval of 1 s or more: the other pools' checks would start up to 27 s late.
      [CAPACITY.pool]: { servers: [CAPACITY.id], healthCheck },
    },
    routes: [
      { path: ROUTES.ws, pool: 'sticky', websocket: true },
      { path: ROUTES.sticky, pool: 'sticky' },
      { path: ROUTES.cookie, pool: 'cookie' },
      { path: WEIGHTED.route, pool: WEIGHTED.pool },
      { path: ROUTES.api, pool: 'rr', rateLimit: RATE },
      { path: ROUTES.private, pool: 'rr', allowFrom: ALLOWED.map((a) => `${a}/32`) },
      { path: ROUTES.rr, pool: 'rr' },
      { path: ROUTES.capacity, pool: CAPACITY.pool },
      { path: ROUTES.lc, pool: 'lc' },
    ],
    limits: { queueTimeout: `${CAPACITY.queueTimeoutMs}ms` },
    stats: { port: ports.stats, path: STATS.path, refresh: '5s', user: STATS.user, passwordEnv: STATS.passwordEnv, allowFrom: STATS.allowed.map((a) => `${a}/32`) },
    monitoring: {
      metrics: { port: ports.metrics, path: METRICS.path, allowFrom: METRICS.allowed.map((a) => `${a}/32`) },
      accessLog: 'json',
    },
  };
  edit?.(doc);
  return yaml.dump(doc);
}
