import { segmentsToPointer as ptr } from '../diagnostics.js';
import type { PoolInput, RouteInput, ServerInput, Topology } from './topology.js';
import { DEFAULTS, DERIVED_DEFAULTS } from './defaults.js';
import { parseDuration, parseVersion } from './duration.js';
import { inheritedAllowFrom } from './allowlists.js';
import { idsOf, membersOf } from './ids.js';
import type { Canary, Cidr, HealthCheck, Model, Pool, Route, SecurityHeader, Server, Site, Sticky, Tls } from './model.js';
import { addressFamily, parseCidr } from './net.js';
import { streams } from './streams.js';

/** Topology (as written, already checked by the schema and src/check) → Model (complete, resolved, ordered). */
export function normalise(t: Topology, sourceFile: string): Model {
  // js-yaml gives integer-like keys first ({web, "2"} → ['2', 'web']): ids are sorted by code unit
  // (idsOf), and references resolve to places in that order. No intermediate [id, value] pairs,
  // Sets or Maps of names: a large topology has 100,000 servers.
  const serverIds = idsOf(t.servers);
  const servers = serverIds.ids.map((id, i) => server(id, serverIds.values[i]!));
  const members = membersOf(t);
  const poolIds = idsOf(t.pools);
  const primaryDomain = (t.domains ?? DEFAULTS.domains).find((d) => !d.startsWith('*.')) ?? null;
  const ROUTED = 1;
  const WEBSOCKET = 2;
  const routed = new Uint8Array(poolIds.ids.length);
  const siteIds = t.sites ? idsOf(t.sites) : null;
  const lists: { id: string | null; routes: readonly RouteInput[] }[] = [{ id: null, routes: t.routes }];
  siteIds?.ids.forEach((id, i) => lists.push({ id, routes: siteIds.values[i]!.routes }));
  for (const list of lists) {
    for (const r of list.routes) {
      const flags = r.websocket ? ROUTED | WEBSOCKET : ROUTED;
      routed[poolIds.place.get(r.pool)!]! |= flags;
      // A canary pool serves the route's requests too: it is used, and carries its upgrades.
      if (r.canary) routed[poolIds.place.get(r.canary.pool)!]! |= flags;
    }
  }
  // A pool only other sites use is checked with the first concrete domain of the first of them (an
  // application that validates Host knows its own site's names), else as the default site's. One
  // Host object per domain, shared by its pools (the model is read-only).
  const domainHost = (name: string | null): HealthCheck['host'] | null => (name === null ? null : { name, from: 'domains' });
  const primaryHost = domainHost(primaryDomain);
  const checkHosts = poolIds.ids.map(() => primaryHost);
  if (siteIds) {
    const byDefault = new Uint8Array(poolIds.ids.length);
    for (const r of t.routes) byDefault[poolIds.place.get(r.pool)!] = 1;
    const set = new Uint8Array(poolIds.ids.length);
    siteIds.values.forEach((s) => {
      const concrete = s.domains.find((d) => !d.startsWith('*.'));
      if (concrete === undefined) return;
      const host = domainHost(concrete);
      for (const r of s.routes) {
        const place = poolIds.place.get(r.pool)!;
        if (byDefault[place] || set[place]) continue;
        set[place] = 1;
        checkHosts[place] = host;
      }
    });
  }
  const pools = poolIds.ids.map((id, i) => pool(id, poolIds.values[i]!, members[i]!.map((place) => servers[place]!), (routed[i]! & WEBSOCKET) !== 0, routed[i] !== 0, checkHosts[i]!));
  let serial = 0;
  const routeLists = lists.map((list) => {
    const out = routesOf(list.routes, list.id, serial, (id) => pools[poolIds.place.get(id)!]!);
    serial += list.routes.length;
    return out;
  });
  const routes = routeLists[0]!;
  const tls = t.tls;
  const defaultTls: Tls | null = tls
    ? {
        pointer: '/tls',
        certificate: tls.certificate,
        key: tls.key,
        bundle: tls.bundle ?? tls.certificate,
        bundleDefaulted: tls.bundle === undefined,
        certificateArn: tls.certificateArn ?? null,
        minVersion: tls.minVersion ?? DEFAULTS.tls.minVersion,
        http2: tls.http2 ?? DEFAULTS.tls.http2,
      }
    : null;
  const domains = [...(t.domains ?? DEFAULTS.domains)];
  const sites: Site[] = lists.slice(1).map((list, k): Site => {
    const i = k + 1;
    const input = siteIds!.values[i - 1]!;
    const pointer = ptr(['sites', list.id!]);
    const own = input.tls;
    // minVersion and http2 belong to the listener (one socket for every site): the top-level ones.
    const siteTls: Tls | null = own && defaultTls
      ? { ...defaultTls, pointer: `${pointer}/tls`, certificate: own.certificate, key: own.key, bundle: own.bundle ?? own.certificate, bundleDefaulted: own.bundle === undefined, certificateArn: own.certificateArn ?? null }
      : defaultTls;
    return { id: list.id!, number: i, pointer, label: `site ${list.id!}`, domains: [...input.domains], tls: siteTls, ownTls: own !== undefined && defaultTls !== null, routes: routeLists[i]! };
  });
  const m = t.monitoring;
  return {
    name: t.name,
    sourceFile,
    domains,
    primaryDomain,
    strictHost: t.strictHost ?? DEFAULTS.strictHost,
    listen: {
      address: t.listen?.address ?? null,
      addressFamily: t.listen?.address === undefined ? null : addressFamily(t.listen.address) === 'ipv6' ? 6 : 4,
      http: t.listen?.http ?? DEFAULTS.listen.http,
      https: tls ? t.listen?.https ?? DEFAULTS.listen.https : null,
      redirectToHttps: tls ? t.listen?.redirectToHttps ?? DERIVED_DEFAULTS.redirectToHttpsWithTls : false,
      trustedProxies: t.listen?.trustedProxies ? cidrs(t.listen.trustedProxies, '/listen/trustedProxies') : null,
      proxyProtocol: t.listen?.proxyProtocol ?? DEFAULTS.listen.proxyProtocol,
    },
    tls: defaultTls,
    // Sent on HTTPS responses only (never HSTS or the rest over plain HTTP): none without TLS (src/check warns).
    securityHeaders: t.tls ? securityHeaders(t.securityHeaders) : [],
    servers,
    pools,
    routes,
    sites,
    streams: streams(t, pools, poolIds.place, cidrs),
    limits: {
      maxConnections: t.limits?.maxConnections ?? DEFAULTS.limits.maxConnections,
      maxConnectionsGiven: t.limits?.maxConnections !== undefined,
      connectionsPerClient: t.limits?.connectionsPerClient ?? null,
      ipv6PrefixLength: t.limits?.ipv6PrefixLength ?? DEFAULTS.limits.ipv6PrefixLength,
      queueTimeout: parseDuration(t.limits?.queueTimeout ?? DEFAULTS.limits.queueTimeout),
      shutdownTimeout: parseDuration(t.limits?.shutdownTimeout ?? DEFAULTS.limits.shutdownTimeout),
    },
    stats: t.stats
      ? {
          pointer: '/stats',
          port: t.stats.port,
          path: t.stats.path ?? DEFAULTS.stats.path,
          refresh: parseDuration(t.stats.refresh ?? DEFAULTS.stats.refresh),
          user: t.stats.user,
          passwordEnv: t.stats.passwordEnv,
          allowFrom: cidrs(t.stats.allowFrom ?? [...DEFAULTS.stats.allowFrom], '/stats/allowFrom'),
        }
      : null,
    monitoring: {
      metrics: m?.metrics
        ? {
            pointer: '/monitoring/metrics',
            port: m.metrics.port,
            path: m.metrics.path ?? DEFAULTS.monitoring.metrics.path,
            allowFrom: cidrs(m.metrics.allowFrom ?? [...DEFAULTS.monitoring.metrics.allowFrom], '/monitoring/metrics/allowFrom'),
          }
        : null,
      accessLog: m?.accessLog ?? DEFAULTS.monitoring.accessLog,
      accessLogGiven: m?.accessLog !== undefined,
      alerts: m?.alerts
        ? {
            pointer: '/monitoring/alerts',
            errorRatePercent: m.alerts.errorRatePercent ?? null,
            responseTime: m.alerts.responseTime === undefined ? null : parseDuration(m.alerts.responseTime),
            unhealthyServersPercent: m.alerts.unhealthyServersPercent ?? null,
            notify: m.alerts.notify ?? null,
          }
        : null,
    },
    aws: {
      scheme: t.aws?.scheme ?? DEFAULTS.aws.scheme,
      idleTimeout: t.aws?.idleTimeout === undefined ? null : parseDuration(t.aws.idleTimeout),
      sslPolicy: t.aws?.sslPolicy ?? null,
      accessLogs: t.aws?.accessLogs
        ? {
            pointer: '/aws/accessLogs',
            bucket: t.aws.accessLogs.bucket ?? null,
            prefix: t.aws.accessLogs.prefix ?? null,
            create: t.aws.accessLogs.create ?? DEFAULTS.aws.accessLogs.create,
          }
        : null,
      deregistrationDelay: parseDuration(t.aws?.deregistrationDelay ?? DEFAULTS.aws.deregistrationDelay),
      targetType: t.aws?.targetType ?? DEFAULTS.aws.targetType,
      waf: t.aws?.waf ?? DEFAULTS.aws.waf,
      fixedNames: t.aws?.fixedNames ?? DEFAULTS.aws.fixedNames,
      deletionProtection: t.aws?.deletionProtection ?? DERIVED_DEFAULTS.deletionProtection[t.aws?.scheme ?? DEFAULTS.aws.scheme],
    },
    nginx: {
      version: parseVersion(t.nginx?.version ?? DEFAULTS.nginx.version),
      accessLog: t.nginx?.accessLog ?? DEFAULTS.nginx.accessLog,
      streamModule: t.nginx?.streamModule ?? DEFAULTS.nginx.streamModule,
      streamModuleGiven: t.nginx?.streamModule !== undefined,
    },
    haproxy: {
      version: parseVersion(t.haproxy?.version ?? DEFAULTS.haproxy.version),
      // Not `??`: an explicit null turns the line off.
      user: t.haproxy?.user === undefined ? DEFAULTS.haproxy.user : t.haproxy.user,
      group: t.haproxy?.group === undefined ? DEFAULTS.haproxy.group : t.haproxy.group,
      chroot: t.haproxy?.chroot === undefined ? DEFAULTS.haproxy.chroot : t.haproxy.chroot,
      adminSocket: t.haproxy?.adminSocket === undefined ? DEFAULTS.haproxy.adminSocket : t.haproxy.adminSocket,
    },
  };
}

/**
 * One site's routes in match order. `first` is the serial of its first route; `site` null is the
 * default site, whose pointers and labels are the top-level routes'.
 */
function routesOf(list: readonly RouteInput[], site: string | null, first: number, poolOf: (id: string) => Pool): Route[] {
  const base = site === null ? '/routes' : `${ptr(['sites', site])}/routes`;
  const name = site === null ? 'routes' : `sites.${site}.routes`;
  const own = list.map((r, index) => (r.allowFrom ? cidrs(r.allowFrom, `${base}/${index}/allowFrom`) : null));
  const inherits = inheritedAllowFrom(list);
  return list
    .map((r, index): Route => {
      const from = inherits[index]!;
      const pointer = `${base}/${index}`;
      const pool = poolOf(r.pool);
      // One literal with every field (no spread): the route is one object of 16 in-object fields,
      // not one with a second array for the fields a spread adds.
      return {
        index,
        serial: first + index,
        site,
        label: `${name}[${index}]`,
        pointer,
        path: r.path,
        pool,
        websocket: r.websocket ?? DEFAULTS.routes.websocket,
        rateLimit: r.rateLimit ? { pointer: `${pointer}/rateLimit`, perSecond: r.rateLimit.perSecond, burst: r.rateLimit.burst ?? DEFAULTS.routes.rateLimit.burst } : null,
        allowFrom: from < 0 ? own[index]! : own[from]!,
        inheritsFrom: from < 0 ? null : { index: from, label: `${name}[${from}]`, path: list[from]!.path },
        allowFromPointer: from < 0 ? `${pointer}/allowFrom` : pointer,
        canary: r.canary ? canary(r.canary, `${pointer}/canary`, poolOf(r.canary.pool)) : null,
        maxBodySize: r.maxBodySize === undefined ? null : { pointer: `${pointer}/maxBodySize`, bytes: parseSize(r.maxBodySize), text: r.maxBodySize },
        timeouts: routeTimeouts(r.timeouts, pointer, pool),
        buffering: r.buffering ?? DEFAULTS.routes.buffering,
      };
    })
    // Longest prefix first; Array.prototype.sort is stable, so file order breaks ties.
    .sort((a, b) => b.path.length - a.path.length);
}

function server(id: string, s: ServerInput): Server {
  return {
    id,
    address: s.address,
    family: addressFamily(s.address),
    port: s.port,
    weight: s.weight ?? DEFAULTS.servers.weight,
    backup: s.backup ?? DEFAULTS.servers.backup,
    maxConnections: s.maxConnections ?? null,
  };
}

/**
 * What a pool gets when it writes no passive, no timeouts, or a health check without expectStatus:
 * one object shared by all such pools (the model is read-only). A large topology has 10,000 pools,
 * and every object kept to the end of a run is copied twice by the young-generation collector.
 */
const DEFAULT_PASSIVE: Pool['passive'] = {
  maxFails: DEFAULTS.pools.passive.maxFails,
  failTimeout: parseDuration(DEFAULTS.pools.passive.failTimeout),
  given: false,
};
const DEFAULT_TIMEOUTS: Pool['timeouts'] = {
  connect: parseDuration(DEFAULTS.pools.timeouts.connect),
  server: parseDuration(DEFAULTS.pools.timeouts.server),
  tunnel: parseDuration(DEFAULTS.pools.timeouts.tunnel),
};
const DEFAULT_STATUS: HealthCheck['expectStatus'] = expectStatus(DEFAULTS.pools.healthCheck.expectStatus);

function pool(id: string, p: PoolInput, members: readonly Server[], websocket: boolean, used: boolean, domainHost: HealthCheck['host'] | null): Pool {
  // Field names below are fixed words: only the id can need escaping in a pointer.
  const pointer = ptr(['pools', id]);
  return {
    id,
    pointer,
    members,
    balance: p.balance ?? DEFAULTS.pools.balance,
    sticky: p.sticky ? sticky(p.sticky, `${pointer}/sticky`) : null,
    healthCheck: p.healthCheck ? healthCheck(p.healthCheck, `${pointer}/healthCheck`, checkHost(p.healthCheck.host, domainHost, members[0]!)) : null,
    loadFeedback: p.loadFeedback ? { pointer: `${pointer}/loadFeedback`, port: p.loadFeedback.port, interval: parseDuration(p.loadFeedback.interval ?? DEFAULTS.pools.loadFeedback.interval) } : null,
    passive: p.passive
      ? {
          maxFails: p.passive.maxFails ?? DEFAULTS.pools.passive.maxFails,
          failTimeout: parseDuration(p.passive.failTimeout ?? DEFAULTS.pools.passive.failTimeout),
          given: true,
        }
      : DEFAULT_PASSIVE,
    timeouts: p.timeouts
      ? {
          connect: parseDuration(p.timeouts.connect ?? DEFAULTS.pools.timeouts.connect),
          server: parseDuration(p.timeouts.server ?? DEFAULTS.pools.timeouts.server),
          tunnel: parseDuration(p.timeouts.tunnel ?? DEFAULTS.pools.timeouts.tunnel),
        }
      : DEFAULT_TIMEOUTS,
    keepalive: p.keepalive ?? DEFAULTS.pools.keepalive,
    websocket,
    used,
  };
}

function sticky(s: NonNullable<PoolInput['sticky']>, pointer: string): Sticky {
  return {
    pointer,
    by: s.by,
    cookie: s.cookie ?? DEFAULTS.pools.sticky.cookie,
    ttl: parseDuration(s.ttl ?? DEFAULTS.pools.sticky.ttl),
    setBy: s.setBy ?? DEFAULTS.pools.sticky.setBy,
    value: s.value ?? DEFAULTS.pools.sticky.value,
  };
}

/** The health check's Host: as given, else (domainHost) the first domain that is not a wildcard, else the first server's address. */
function checkHost(given: string | undefined, domainHost: HealthCheck['host'] | null, first: Server): HealthCheck['host'] {
  if (given !== undefined) return { name: given, from: 'healthCheck.host' };
  if (domainHost !== null) return domainHost;
  return { name: first.family === 'ipv6' ? `[${first.address}]` : first.address, from: 'server' };
}

function healthCheck(h: NonNullable<PoolInput['healthCheck']>, pointer: string, host: HealthCheck['host']): HealthCheck {
  const interval = parseDuration(h.interval ?? DEFAULTS.pools.healthCheck.interval);
  return {
    pointer,
    type: h.type ?? DEFAULTS.pools.healthCheck.type,
    path: h.path ?? '',
    port: h.port ?? null,
    host,
    interval,
    timeout: h.timeout === undefined ? Math.min(Math.floor(interval / 2), parseDuration(DERIVED_DEFAULTS.maxHealthCheckTimeout)) : parseDuration(h.timeout),
    rise: h.rise ?? DEFAULTS.pools.healthCheck.rise,
    fall: h.fall ?? DEFAULTS.pools.healthCheck.fall,
    expectStatus: h.expectStatus === undefined ? DEFAULT_STATUS : expectStatus(h.expectStatus),
  };
}

/** 200 or "200-399" → the range of accepted codes. */
function expectStatus(given: number | string): HealthCheck['expectStatus'] {
  const status = String(given).split('-').map(Number);
  return { min: status[0]!, max: status[1] ?? status[0]! };
}

function cidrs(list: readonly string[], pointer: string): Cidr[] {
  return list.map((text, i) => {
    const parsed = parseCidr(text);
    if (typeof parsed === 'string') throw new Error(`unchecked CIDR ${text}`);
    return { text: `${parsed.address}/${parsed.prefix}`, family: parsed.family, pointer: `${pointer}/${i}` };
  });
}

const HEADER_NAMES: Record<SecurityHeader['kind'], string> = {
  hsts: 'Strict-Transport-Security',
  frameOptions: 'X-Frame-Options',
  contentTypeOptions: 'X-Content-Type-Options',
  xssProtection: 'X-XSS-Protection',
  referrerPolicy: 'Referrer-Policy',
  contentSecurityPolicy: 'Content-Security-Policy',
};

function securityHeaders(h: Topology['securityHeaders']): SecurityHeader[] {
  if (!h) return [];
  const values: [SecurityHeader['kind'], string | undefined][] = [
    ['hsts', h.hsts && [`max-age=${h.hsts.maxAge}`, h.hsts.includeSubDomains ? 'includeSubDomains' : '', h.hsts.preload ? 'preload' : ''].filter(Boolean).join('; ')],
    ['frameOptions', h.frameOptions],
    ['contentTypeOptions', h.contentTypeOptions],
    ['xssProtection', h.xssProtection],
    ['referrerPolicy', h.referrerPolicy],
    ['contentSecurityPolicy', h.contentSecurityPolicy],
  ];
  return values.flatMap(([kind, value]) => (value === undefined ? [] : [{ kind, pointer: `/securityHeaders/${kind}`, name: HEADER_NAMES[kind], value }]));
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** "10m" → bytes (1024-based, as nginx reads client_max_body_size). The schema has checked the shape. */
export function parseSize(text: string): number {
  const m = /^([0-9]+)([kmg]?)$/.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  return Number(m[1]) * SIZE_UNITS[m[2]!]!;
}

/** A route's staged rollout to another pool (issue 17). */
function canary(c: NonNullable<RouteInput['canary']>, pointer: string, pool: Pool): Canary {
  return {
    pointer,
    pool,
    weight: c.weight,
    header: c.header ?? null,
    cookie: c.cookie ?? DEFAULTS.routes.canary.cookie,
    ttl: parseDuration(c.ttl ?? DEFAULTS.routes.canary.ttl),
  };
}

/** What a route without timeouts of its own gets when its pool has the default ones (shared, as DEFAULT_TIMEOUTS). */
const DEFAULT_ROUTE_TIMEOUTS: Route['timeouts'] = { pointer: null, server: DEFAULT_TIMEOUTS.server, tunnel: DEFAULT_TIMEOUTS.tunnel, ownServer: false, ownTunnel: false };

/** A route's own timeouts, else its pool's (issue 17). */
function routeTimeouts(own: RouteInput['timeouts'], pointer: string, pool: Pool): Route['timeouts'] {
  if (!own && pool.timeouts === DEFAULT_TIMEOUTS) return DEFAULT_ROUTE_TIMEOUTS;
  return {
    pointer: own ? `${pointer}/timeouts` : null,
    server: own?.server === undefined ? pool.timeouts.server : parseDuration(own.server),
    tunnel: own?.tunnel === undefined ? pool.timeouts.tunnel : parseDuration(own.tunnel),
    ownServer: own?.server !== undefined,
    ownTunnel: own?.tunnel !== undefined,
  };
}
