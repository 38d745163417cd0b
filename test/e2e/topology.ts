/**
 * The topology under test: every mechanism the checks exercise, pointed at the local backends and
 * at ports chosen at run time, with health checks fast enough that failover is measured in seconds.
 */
import yaml from 'js-yaml';

export type Ports = { http: number; https: number; stats: number; backends: readonly number[] };
export type TlsFiles = { cert: string; key: string; bundle: string };

/** Health-check timing; the checks derive their deadlines from these. */
export const HEALTH = { intervalMs: 500, rise: 2, fall: 3 } as const;
export const RATE = { perSecond: 2, burst: 4 } as const;
/** Clients allowed on /private; any other loopback address must get 403. */
export const ALLOWED = ['127.0.0.1', '127.0.0.2'] as const;
export const STATS = { user: 'admin', passwordEnv: 'LBGEN_E2E_STATS_PASSWORD', path: '/stats' } as const;
export const DOMAIN = 'e2e.lbgen.test';
export const BACKEND_IDS = ['b1', 'b2', 'b3'] as const;

export const ROUTES = { ws: '/ws', sticky: '/sticky', api: '/api', private: '/private', rr: '/rr', lc: '/' } as const;

export function topologyText(ports: Ports, tls: TlsFiles): string {
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
    servers: Object.fromEntries(BACKEND_IDS.map((id, i) => [id, { address: '127.0.0.1', port: ports.backends[i] }])),
    pools: {
      lc: { servers: members, balance: 'least-connections', healthCheck },
      rr: { servers: members, balance: 'round-robin', healthCheck },
      sticky: { servers: members, sticky: { by: 'source-ip' }, healthCheck, timeouts: { tunnel: '1h' } },
    },
    routes: [
      { path: ROUTES.ws, pool: 'sticky', websocket: true },
      { path: ROUTES.sticky, pool: 'sticky' },
      { path: ROUTES.api, pool: 'rr', rateLimit: RATE },
      { path: ROUTES.private, pool: 'rr', allowFrom: ALLOWED.map((a) => `${a}/32`) },
      { path: ROUTES.rr, pool: 'rr' },
      { path: ROUTES.lc, pool: 'lc' },
    ],
    stats: { port: ports.stats, path: STATS.path, refresh: '5s', user: STATS.user, passwordEnv: STATS.passwordEnv },
  };
  return yaml.dump(doc);
}
