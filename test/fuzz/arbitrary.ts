/**
 * fast-check arbitraries for topologies the schema accepts, drawn from the schema's own shapes:
 * every field, valid by construction (references resolve, ports distinct, timeouts below intervals).
 */
import fc from 'fast-check';

const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
const hostname = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => `${l.join('.')}.test`);
const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), octet, octet, fc.integer({ min: 1, max: 254 })).map((o) => o.join('.'));
const ipv6 = fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]) => `2001:db8:${a.toString(16)}::${b.toString(16)}`);
const address = fc.oneof(hostname, ipv4, ipv6);
/** The longest duration every target takes (HAProxy's timers), in seconds: the schema's extremes are drawn too. */
const DAYS_24 = 24 * 86400;
// The schema takes at most 9 digits before the unit: the ms form only where it fits.
const duration = (min: number, max: number) => fc.integer({ min, max }).chain((n) => fc.constantFrom(`${n}s`, n, n * 1000 < 1e9 ? `${n * 1000}ms` : `${n}s`));
const cidr = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 223 }), fc.constantFrom(8, 16, 24, 32)).map(([a, p]) => (p === 8 ? `${a}.0.0.0/8` : p === 16 ? `${a}.1.0.0/16` : p === 24 ? `${a}.1.2.0/24` : `${a}.1.2.3/32`)),
  fc.constantFrom('2001:db8::/32', '::1/128', 'fd00::/8'),
);
const segment = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => `/${s.join('/')}`);
const cspText = fc.stringMatching(/^[ !#%-~]{1,80}$/).filter((s) => s.trim() === s && s.length > 0);

export type Generated = Record<string, unknown>;

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Issue 17's per-route fields: a canary to another pool (offset 1-3), a body limit, timeouts, buffering. */
const shapeArbitrary = fc.record({
  canary: opt(fc.record({
    offset: fc.integer({ min: 1, max: 3 }),
    weight: fc.integer({ min: 0, max: 100 }),
    header: opt(fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9-]{0,10}[A-Za-z0-9])?$/)),
    cookie: opt(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/)),
    ttl: opt(duration(1, 7 * 86400)),
  })),
  maxBodySize: opt(fc.tuple(fc.integer({ min: 1, max: 999_999_999 }), fc.constantFrom('', 'k', 'm', 'g')).map(([n, u]) => `${n}${u}`)),
  timeouts: opt(fc.record({ server: duration(1, DAYS_24), tunnel: duration(1, DAYS_24) }, { requiredKeys: [] })),
  buffering: opt(fc.boolean()),
});

/**
 * Other sites: their domains end in .site, never .test (the top-level domains'), so no two sites
 * claim one; a site may have a wildcard, its own certificate (with an ARN or not) and routes of
 * every kind. Pool numbers are taken modulo the pools there are.
 */
const siteArbitrary = fc.record({
  domains: fc.uniqueArray(fc.oneof(label, label.map((l) => `*.${l}`)), { minLength: 1, maxLength: 3 }),
  tls: fc.boolean(),
  arn: fc.boolean(),
  bundle: fc.boolean(),
  routes: fc.uniqueArray(fc.record({
    path: fc.oneof(fc.constant('/'), path),
    pool: fc.integer({ min: 0, max: 3 }),
    websocket: fc.boolean(),
    rate: opt(fc.record({ perSecond: fc.integer({ min: 1, max: 1000 }), burst: fc.integer({ min: 0, max: 100 }) }, { requiredKeys: ['perSecond'] })),
    allow: opt(fc.uniqueArray(cidr, { minLength: 1, maxLength: 3 })),
    shape: shapeArbitrary,
  }), { minLength: 1, maxLength: 3, selector: (r) => r.path.toLowerCase() }),
});

/** The fields of the top-level blocks beyond routing: listeners, headers, limits, monitoring, AWS, the proxies' own blocks. */
const extraArbitrary = fc.record({
  domains: opt(fc.uniqueArray(fc.oneof(hostname, hostname.map((h) => `*.${h}`)), { minLength: 1, maxLength: 3 })),
  strictHost: fc.boolean(),
  // Half the topologies have other sites.
  sites: fc.option(fc.uniqueArray(siteArbitrary, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 2 }),
  redirect: fc.boolean(),
  listenAddress: opt(fc.constantFrom('127.0.0.1', '0.0.0.0', '::1', '::')),
  trusted: opt(fc.uniqueArray(cidr, { minLength: 1, maxLength: 3 })),
  proxyProtocol: fc.boolean(),
  arn: fc.boolean(),
  hstsFlags: fc.record({ includeSubDomains: fc.boolean(), preload: fc.boolean() }, { requiredKeys: [] }),
  headers: opt(fc.record({
    frameOptions: fc.constantFrom('DENY', 'SAMEORIGIN'),
    contentTypeOptions: fc.constant('nosniff'),
    xssProtection: fc.constantFrom('0', '1', '1; mode=block'),
    referrerPolicy: fc.constantFrom('no-referrer', 'strict-origin-when-cross-origin', 'same-origin', 'unsafe-url'),
  }, { requiredKeys: [] })),
  limits: fc.record({
    ipv6PrefixLength: fc.integer({ min: 8, max: 32 }).map((n) => n * 4),
    queueTimeout: duration(1, DAYS_24),
    shutdownTimeout: duration(1, DAYS_24),
  }, { requiredKeys: [] }),
  statsPage: fc.record({ path: path, refresh: duration(1, 3600) }, { requiredKeys: [] }),
  monitoring: opt(fc.record({
    metrics: fc.record({ port: fc.constant(9100), path: path, allowFrom: fc.uniqueArray(cidr, { minLength: 1, maxLength: 3 }) }, { requiredKeys: ['port'] }),
    accessLog: fc.constantFrom('json', 'combined'),
    // At least one threshold: an alerts block without one is refused (src/check/consistency.ts alertsWithoutThreshold).
    alerts: fc.record({
      errorRatePercent: fc.integer({ min: 1, max: 100 }),
      responseTime: duration(1, 600),
      unhealthyServersPercent: fc.integer({ min: 1, max: 100 }),
      notify: fc.constant('arn:aws:sns:eu-west-1:123456789012:fuzz-alerts'),
    }, { requiredKeys: [] }).filter((a) => a.errorRatePercent !== undefined || a.responseTime !== undefined || a.unhealthyServersPercent !== undefined),
  }, { requiredKeys: [] })),
  logPrefix: opt(fc.stringMatching(/^[a-z0-9]{1,10}(\/[a-z0-9]{1,10}){0,2}$/)),
  aws: fc.record({
    scheme: fc.constantFrom('internet-facing', 'internal'),
    sslPolicy: fc.constantFrom('ELBSecurityPolicy-TLS13-1-2-2021-06', 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06', 'ELBSecurityPolicy-TLS13-1-3-2021-06'),
    deregistrationDelay: duration(0, 3600),
    fixedNames: fc.boolean(),
    deletionProtection: fc.boolean(),
  }, { requiredKeys: [] }),
  targetIp: fc.boolean(),
  // Debian's path only: builtin would leave the stream block without its module where the validators run.
  nginx: opt(fc.record({ version: fc.constant('1.22'), accessLog: fc.constantFrom('/var/log/nginx/fuzz.log', '/var/log/nginx/access.json'), streamModule: fc.constant('/usr/lib/nginx/modules/ngx_stream_module.so') }, { requiredKeys: [] })),
  /** L4 services: each on a port of its own (5000 + its place), to one of the pools (by place, modulo the pool count). */
  streams: opt(fc.array(fc.record({
    protocol: fc.constantFrom('tcp', 'udp', 'tls', undefined),
    pool: fc.integer({ min: 0, max: 3 }),
    idleTimeout: opt(duration(1, DAYS_24)),
    allowFrom: opt(fc.uniqueArray(cidr, { minLength: 1, maxLength: 4 })),
    proxyProtocol: opt(fc.boolean()),
    connectionsPerClient: opt(fc.integer({ min: 1, max: 65535 })),
  }), { minLength: 1, maxLength: 3 })),
  // Paths that match a warning of some topologies and none of others: a stale entry is a warning too.
  acceptedGaps: opt(fc.array(fc.record({
    target: fc.constantFrom('nginx', 'haproxy', 'cloudformation'),
    path: fc.constantFrom('pools.*.healthCheck', 'routes[*].rateLimit', 'routes[0].websocket', 'limits.maxConnections', 'pools.p0.sticky', 'tls'),
    reason: fc.constantFrom('reviewed', 'the application covers it'),
  }, { requiredKeys: ['path', 'reason'] }), { minLength: 1, maxLength: 3 })),
  haproxy: opt(fc.record({
    version: fc.constant('2.6'),
    user: fc.constantFrom('haproxy', null),
    group: fc.constantFrom('haproxy', 'nogroup', null),
    chroot: fc.constantFrom('/var/lib/haproxy', null),
    adminSocket: fc.constantFrom('/run/haproxy/admin.sock', '/tmp/fuzz-admin.sock', null),
  }, { requiredKeys: [] })),
});

/** The agent's port, moved off the ports the pool's servers serve on (that is an error). */
function agentPort(port: number, taken: readonly number[]): number {
  let p = port;
  while (taken.includes(p)) p = (p % 65535) + 1;
  return p;
}

export const topologyArbitrary: fc.Arbitrary<Generated> = fc
  .record({
    name: fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/),
    serverCount: fc.integer({ min: 1, max: 5 }),
    poolCount: fc.integer({ min: 1, max: 4 }),
    addresses: fc.array(address, { minLength: 5, maxLength: 5 }),
    ports: fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 5, maxLength: 5 }),
    weights: fc.array(fc.option(fc.integer({ min: 1, max: 256 }), { nil: undefined }), { minLength: 5, maxLength: 5 }),
    backups: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
    maxConns: fc.array(fc.option(fc.integer({ min: 1, max: 10000 }), { nil: undefined }), { minLength: 5, maxLength: 5 }),
    pools: fc.array(
      fc.record({
        members: fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }),
        balance: fc.option(fc.constantFrom('round-robin', 'least-connections', 'source-ip-hash'), { nil: undefined }),
        sticky: fc.option(fc.oneof(
          fc.constant({ by: 'source-ip' }),
          fc.record({ by: fc.constant('cookie'), cookie: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), ttl: duration(1, DAYS_24), setBy: fc.constant('balancer') }),
          fc.record({ by: fc.constant('cookie'), cookie: fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), ttl: duration(1, DAYS_24), setBy: fc.constant('application'), value: fc.constantFrom('opaque', 'server-id') }),
        ), { nil: undefined }),
        health: fc.option(fc.record({ type: fc.constantFrom('http', 'tcp', undefined), port: opt(fc.integer({ min: 1, max: 65535 })), path, interval: fc.integer({ min: 2, max: 400 }), rise: fc.integer({ min: 1, max: 10 }), fall: fc.integer({ min: 1, max: 10 }), expect: fc.constantFrom(200, 204, '200-399', 301) }), { nil: undefined }),
        timeouts: fc.option(fc.record({ connect: duration(1, DAYS_24), server: duration(1, DAYS_24), tunnel: duration(1, DAYS_24) }), { nil: undefined }),
        keepalive: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        passive: fc.option(fc.record({ maxFails: fc.integer({ min: 1, max: 100 }), failTimeout: duration(1, DAYS_24) }, { requiredKeys: [] }), { nil: undefined }),
        checkHost: fc.option(hostname, { nil: undefined }),
        feedback: fc.option(fc.record({ port: fc.integer({ min: 1, max: 65535 }), interval: duration(1, DAYS_24) }, { requiredKeys: ['port'] }), { nil: undefined }),
      }),
      { minLength: 4, maxLength: 4 },
    ),
    routes: fc.uniqueArray(path, { minLength: 4, maxLength: 4 }),
    rootRoute: fc.boolean(),
    websocket: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    rate: fc.array(fc.option(fc.record({ perSecond: fc.integer({ min: 1, max: 1000 }), burst: fc.integer({ min: 0, max: 100 }) }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
    allow: fc.array(fc.option(fc.uniqueArray(cidr, { minLength: 1, maxLength: 7 }), { nil: undefined }), { minLength: 4, maxLength: 4 }),
    shape: fc.array(shapeArbitrary, { minLength: 4, maxLength: 4 }),
    tls: fc.boolean(),
    http2: fc.boolean(),
    tls13: fc.boolean(),
    csp: fc.option(cspText, { nil: undefined }),
    hsts: fc.option(fc.integer({ min: 0, max: 63072000 }), { nil: undefined }),
    stats: fc.boolean(),
    statsAllow: fc.option(fc.uniqueArray(cidr, { minLength: 1, maxLength: 20 }), { nil: undefined }),
    perClient: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
    total: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
    idle: fc.option(duration(1, DAYS_24), { nil: undefined }),
    waf: fc.boolean(),
    logs: fc.constantFrom('none', 'bucket', 'create'),
    extra: extraArbitrary,
  })
  .map((g) => {
    const servers: Record<string, unknown> = {};
    for (let i = 0; i < g.serverCount; i++) {
      servers[`s${i}`] = {
        address: g.addresses[i], port: g.ports[i],
        ...(g.weights[i] !== undefined ? { weight: g.weights[i] } : {}),
        ...(g.backups[i] && i > 0 ? { backup: true } : {}),
        ...(g.maxConns[i] !== undefined ? { maxConnections: g.maxConns[i] } : {}),
      };
    }
    const pools: Record<string, unknown> = {};
    for (let i = 0; i < g.poolCount; i++) {
      const p = g.pools[i]!;
      const picked = [...new Set(p.members.map((m) => m % g.serverCount))];
      // s0 is never a backup: a pool of backups only is an error, and must stay out of valid samples.
      const members = (picked.every((m) => g.backups[m] && m > 0) ? [0, ...picked] : picked).map((m) => `s${m}`);
      const balance = p.sticky?.by === 'cookie' && p.balance === 'source-ip-hash' ? 'round-robin' : p.balance;
      pools[`p${i}`] = {
        servers: members,
        ...(balance ? { balance } : {}),
        ...(p.sticky ? { sticky: p.sticky } : {}),
        ...(p.health ? { healthCheck: {
          ...(p.health.type ? { type: p.health.type } : {}),
          ...(p.health.port !== undefined ? { port: p.health.port } : {}),
          // path, host and expectStatus belong to an HTTP check only.
          ...(p.health.type === 'tcp' ? {} : { path: p.health.path, expectStatus: p.health.expect, ...(p.checkHost ? { host: p.checkHost } : {}) }),
          interval: `${p.health.interval}s`, timeout: `${Math.max(1, Math.floor(p.health.interval / 3))}s`, rise: p.health.rise, fall: p.health.fall,
        } } : {}),
        ...(p.passive ? { passive: p.passive } : {}),
        ...(p.feedback ? { loadFeedback: { ...p.feedback, port: agentPort(p.feedback.port, members.map((m) => g.ports[Number(m.slice(1))]!)) } } : {}),
        ...(p.timeouts ? { timeouts: p.timeouts } : {}),
        ...(p.keepalive !== undefined ? { keepalive: p.keepalive } : {}),
      };
    }
    const hostRouted = g.extra.sites !== undefined || (g.extra.domains !== undefined && g.extra.strictHost);
    const routes = Array.from({ length: g.poolCount }, (_, i) => ({
      path: i === 0 && g.rootRoute ? '/' : g.routes[i]!,
      pool: `p${i}`,
      ...(g.websocket[i] ? { websocket: true } : {}),
      ...(g.rate[i] ? { rateLimit: g.rate[i] } : {}),
      // A canary with an allowFrom takes five ALB rules per share of sources, and with sites the ALB
      // repeats a route's rules for each group of hosts: short lists keep it within its rule quota.
      ...(g.allow[i] && !(hostRouted && i === 0 && g.shape[i]!.canary) ? { allowFrom: (g.shape[i]!.canary && g.poolCount > 1) || g.extra.sites ? g.allow[i]!.slice(0, 2) : g.allow[i] } : {}),
      // With host rules (sites, strictHost) the ALB writes a canary's forcing rules once per group of
      // hosts (and share of sources): one canary, without allowFrom, keeps its rule quota: on the
      // first route here with strictHost alone, else on the first site's first route.
      ...routeShape(g.shape[i]!, i, g.poolCount, g.websocket[i]!, !hostRouted || (i === 0 && !g.extra.sites)),
    }));
    const x = g.extra;
    // The one site canary: the first route of the first site, when that site has one domain (one group of hosts).
    const canaryHere = (k: number, j: number) => k === 0 && j === 0 && x.sites![0]!.domains.length === 1;
    const sites = x.sites?.map((s, k) => ({
      // Each site under a name of its own (sa.site, sb.site): no domain is claimed twice.
      domains: s.domains.map((d) => `${d}.s${'ab'[k]}.site`),
      ...(g.tls && s.tls ? { tls: { certificate: `/etc/ssl/fuzz/site${k}.pem`, key: `/etc/ssl/fuzz/site${k}.key`, ...(s.bundle ? { bundle: `/etc/ssl/fuzz/site${k}.bundle.pem` } : {}), ...(s.arn ? { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-0123456789ac' } : {}) } } : {}),
      routes: s.routes.map((r, j) => ({
        path: r.path,
        pool: `p${r.pool % g.poolCount}`,
        ...(r.websocket ? { websocket: true } : {}),
        ...(r.rate ? { rateLimit: r.rate } : {}),
        // The canary route has no allowFrom: its forcing rules per share of sources and group of hosts would pass the ALB's rule quota.
        ...(r.allow && !(canaryHere(k, j) && r.shape.canary) ? { allowFrom: r.allow } : {}),
        ...routeShape(r.shape, r.pool % g.poolCount, g.poolCount, r.websocket, canaryHere(k, j)),
      })),
    }));
    const streams = (x.streams ?? []).map((s, i) => {
      // tls needs the tls block; the PROXY protocol is for TCP only.
      const protocol = s.protocol === 'tls' && !g.tls ? 'tcp' : s.protocol;
      return [`st${i}`, {
        port: 5000 + i,
        ...(protocol ? { protocol } : {}),
        pool: `p${s.pool % g.poolCount}`,
        ...(s.idleTimeout !== undefined ? { idleTimeout: s.idleTimeout } : {}),
        ...(s.allowFrom ? { allowFrom: s.allowFrom } : {}),
        ...(s.proxyProtocol !== undefined && protocol !== 'udp' ? { proxyProtocol: s.proxyProtocol } : {}),
        ...(s.connectionsPerClient !== undefined ? { connectionsPerClient: s.connectionsPerClient } : {}),
      }] as const;
    });
    // A stream's pool cannot keep clients by cookie (no HTTP): source-IP stickiness instead.
    for (const [, s] of streams) {
      const p = pools[s.pool] as { sticky?: { by: string } };
      if (p.sticky?.by === 'cookie') p.sticky = { by: 'source-ip' };
    }
    // targetType ip registers the servers themselves, which AWS takes as private IPv4 addresses only.
    if (x.targetIp) Object.values(servers).forEach((s, i) => Object.assign(s as object, { address: `10.0.0.${i + 1}` }));
    return {
      version: 1,
      name: g.name,
      ...(x.domains ? { domains: x.domains } : {}),
      // strictHost needs top-level domains.
      ...(x.domains && x.strictHost ? { strictHost: true } : {}),
      listen: {
        http: 8080,
        ...(g.tls ? { https: 8443, redirectToHttps: x.redirect } : {}),
        ...(x.listenAddress ? { address: x.listenAddress } : {}),
        ...(x.trusted ? { trustedProxies: x.trusted, proxyProtocol: x.proxyProtocol } : {}),
      },
      ...(g.tls ? { tls: { certificate: '/etc/ssl/fuzz/cert.pem', key: '/etc/ssl/fuzz/key.pem', bundle: '/etc/ssl/fuzz/bundle.pem', http2: g.http2, minVersion: g.tls13 ? 'TLSv1.3' : 'TLSv1.2', ...(x.arn ? { certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-0123456789ab' } : {}) } } : {}),
      ...(g.tls && (g.csp !== undefined || g.hsts !== undefined || x.headers) ? { securityHeaders: {
        ...(g.hsts !== undefined ? { hsts: { maxAge: g.hsts, ...x.hstsFlags } } : {}),
        ...(g.csp !== undefined ? { contentSecurityPolicy: g.csp } : {}),
        ...(x.headers ?? {}),
      } } : {}),
      servers,
      pools,
      routes,
      ...(sites ? { sites: Object.fromEntries(sites.map((s, k) => [`site-${'ab'[k]}`, s])) } : {}),
      ...(streams.length ? { streams: Object.fromEntries(streams) } : {}),
      limits: { ...(g.perClient !== undefined ? { connectionsPerClient: g.perClient } : {}), ...(g.total !== undefined ? { maxConnections: g.total } : {}), ...x.limits },
      ...(g.stats ? { stats: { port: 8404, user: 'ops', passwordEnv: 'FUZZ_STATS_PASSWORD', ...(g.statsAllow ? { allowFrom: g.statsAllow } : {}), ...x.statsPage } } : {}),
      ...(x.monitoring ? { monitoring: x.monitoring } : {}),
      aws: {
        waf: g.waf,
        ...(g.idle !== undefined ? { idleTimeout: g.idle } : {}),
        ...(g.logs === 'bucket' ? { accessLogs: { bucket: 'fuzz-logs', ...(x.logPrefix ? { prefix: x.logPrefix } : {}) } } : g.logs === 'create' ? { accessLogs: { create: true } } : {}),
        ...x.aws,
        ...(x.targetIp ? { targetType: 'ip' } : {}),
      },
      ...(x.nginx ? { nginx: x.nginx } : {}),
      ...(x.haproxy ? { haproxy: x.haproxy } : {}),
      ...(x.acceptedGaps ? { acceptedGaps: x.acceptedGaps } : {}),
    };
  });

type Shape = {
  canary: { offset: number; weight: number; header: string | undefined; cookie: string | undefined; ttl: string | number | undefined } | undefined;
  maxBodySize: string | undefined;
  timeouts: { server?: string | number; tunnel?: string | number } | undefined;
  buffering: boolean | undefined;
};

/** A route's issue-17 fields (`canary` false: none); a tunnel timeout only on a WebSocket route (elsewhere it is a warning). */
function routeShape(s: Shape, i: number, pools: number, websocket: boolean, canary: boolean): Record<string, unknown> {
  const { server, tunnel } = s.timeouts ?? {};
  const timeouts = { ...(server !== undefined ? { server } : {}), ...(tunnel !== undefined && websocket ? { tunnel } : {}) };
  return {
    // Another pool than the route's own: never i itself (with one pool, no canary).
    ...(canary && s.canary && pools > 1 ? { canary: { pool: `p${(i + 1 + ((s.canary.offset - 1) % (pools - 1))) % pools}`, weight: s.canary.weight, ...(s.canary.header ? { header: s.canary.header } : {}), ...(s.canary.cookie ? { cookie: s.canary.cookie } : {}), ...(s.canary.ttl !== undefined ? { ttl: s.canary.ttl } : {}) } } : {}),
    ...(s.maxBodySize ? { maxBodySize: s.maxBodySize } : {}),
    ...(s.timeouts ? { timeouts } : {}),
    ...(s.buffering !== undefined ? { buffering: s.buffering } : {}),
  };
}
