/**
 * The only place a default value is written. The schema's `default` keywords document the same
 * values, and test/defaults.test.ts asserts that the two agree.
 */
export const DEFAULTS = {
  domains: [] as string[],
  listen: { http: 80, https: 443, redirectToHttpsWithTls: true, proxyProtocol: false },
  tls: { minVersion: 'TLSv1.2', http2: true },
  hsts: { includeSubDomains: false, preload: false },
  server: { weight: 1, backup: false },
  pool: {
    balance: 'round-robin',
    passive: { maxFails: 3, failTimeout: '30s' },
    timeouts: { connect: '5s', server: '60s', tunnel: '1h' },
    keepalive: 32,
  },
  sticky: { cookie: 'lbgen', ttl: '1d', setBy: 'balancer', value: 'opaque' },
  healthCheck: { interval: '10s', rise: 2, fall: 3, expectStatus: 200, maxDefaultTimeout: '5s' },
  route: { websocket: false, burst: 0, buffering: true },
  canary: { cookie: 'lbgen_canary', ttl: '1d' },
  limits: { maxConnections: 4096, ipv6PrefixLength: 64, queueTimeout: '5s', shutdownTimeout: '5m' },
  // Loopback only, as the metrics endpoint: the page has admin actions behind Basic auth.
  stats: { path: '/stats', refresh: '30s', allowFrom: ['127.0.0.1/32', '::1/128'] },
  metrics: { path: '/metrics', allowFrom: ['127.0.0.1/32', '::1/128'] },
  monitoring: { accessLog: 'json' },
  aws: { scheme: 'internet-facing', deregistrationDelay: '30s', targetType: 'instance', waf: false, accessLogsCreate: false, fixedNames: false },
  /** aws.deletionProtection by aws.scheme: a public entry point is protected, an internal one is not. */
  deletionProtection: { 'internet-facing': true, internal: false },
  nginx: { version: '1.22', accessLog: '/var/log/nginx/access.log' },
  // Debian's own haproxy.cfg: workers drop root, confined to an empty folder, with the runtime API on a root-only socket.
  haproxy: { version: '2.6', user: 'haproxy', group: 'haproxy', chroot: '/var/lib/haproxy', adminSocket: '/run/haproxy/admin.sock' },
} as const;
