import { type Diagnostic, error, segmentsToPointer as ptr, warning } from '../diagnostics.js';
import type { RouteInput, Topology } from '../model/topology.js';
import { DEFAULTS } from '../model/defaults.js';
import { parseDuration } from '../model/duration.js';
import { idsOf, membersOf } from '../model/ids.js';
import { isIPv4, parseCidr } from '../model/net.js';
import { referenceChecks } from './references.js';
import { STREAM_CHECKS, streamPools } from './streams.js';

/**
 * The consistency checks: what the schema cannot express about a topology it accepted (fields that
 * contradict each other, values that no target can take). A table: adding a check appends an entry.
 * The reference checks (references.ts) run first, on any document.
 */
type Check = (t: Topology) => Diagnostic[];

const stickyContradictsBalance: Check = (t) => {
  const out: Diagnostic[] = [];
  const pools = idsOf(t.pools);
  for (let i = 0; i < pools.ids.length; i++) {
    const id = pools.ids[i]!;
    const p = pools.values[i]!;
    if (p.sticky?.by === 'cookie' && p.balance === 'source-ip-hash') {
      out.push(error(ptr(['pools', id, 'sticky', 'by']), 'cookie stickiness contradicts balance: source-ip-hash (the server is already fixed by the client address)', { suggestion: 'use sticky.by: source-ip, or another balance' }));
    }
    if (p.sticky?.by === 'source-ip') {
      for (const field of ['cookie', 'setBy', 'value'] as const) {
        if (p.sticky[field] !== undefined) out.push(error(ptr(['pools', id, 'sticky', field]), `"${field}" applies only to sticky.by: cookie`));
      }
    } else if (p.sticky?.value !== undefined && (p.sticky.setBy ?? DEFAULTS.pools.sticky.setBy) !== 'application') {
      // The balancer's own cookie holds what the balancer writes: there is nothing to describe.
      out.push(error(ptr(['pools', id, 'sticky', 'value']), '"value" applies only to sticky.setBy: application', { suggestion: 'add setBy: application, or remove value' }));
    }
  }
  return out;
};

const poolOnlyBackups: Check = (t) => {
  const out: Diagnostic[] = [];
  const pools = idsOf(t.pools);
  const servers = idsOf(t.servers).values;
  const members = membersOf(t);
  for (let i = 0; i < pools.ids.length; i++) {
    const id = pools.ids[i]!;
    // Missing servers are poolToMissingServer's to report: only the servers that exist count here.
    let known = 0;
    let regular = false;
    const places = members[i]!;
    for (let k = 0; k < places.length; k++) {
      const place = places[k]!;
      if (place < 0) continue;
      known++;
      const s = servers[place]!;
      if (s.backup !== true) {
        regular = true;
        break;
      }
    }
    if (known && !regular) {
      out.push(error(ptr(['pools', id, 'servers']), `every server of pool "${id}" is a backup: a backup serves only when a regular server of its pool is down, so list at least one that is not`));
    }
  }
  return out;
};

const healthCheckTimeout: Check = (t) => {
  const out: Diagnostic[] = [];
  const pools = idsOf(t.pools);
  for (let i = 0; i < pools.ids.length; i++) {
    const id = pools.ids[i]!;
    const hc = pools.values[i]!.healthCheck;
    if (!hc || hc.timeout === undefined) continue;
    const interval = parseDuration(hc.interval ?? DEFAULTS.pools.healthCheck.interval);
    const timeout = parseDuration(hc.timeout);
    if (timeout < interval && timeout > 0) continue;
    out.push(error(ptr(['pools', id, 'healthCheck', 'timeout']), `must be shorter than the interval (${String(hc.interval ?? DEFAULTS.pools.healthCheck.interval)}) and more than 0 (got ${String(hc.timeout)})`));
  }
  return out;
};

/** An agent on the port the server serves on would be asked for a line the application never sends: every answer fails. */
const loadFeedbackPort: Check = (t) => {
  const out: Diagnostic[] = [];
  const pools = idsOf(t.pools);
  const servers = idsOf(t.servers);
  const members = membersOf(t);
  for (let i = 0; i < pools.ids.length; i++) {
    const id = pools.ids[i]!;
    const port = pools.values[i]!.loadFeedback?.port;
    if (port === undefined) continue;
    const place = members[i]!.find((s) => s >= 0 && servers.values[s]!.port === port);
    if (place !== undefined) out.push(error(ptr(['pools', id, 'loadFeedback', 'port']), `port ${port} is the port server "${servers.ids[place]!}" serves on: the agent that reports its load listens on a port of its own`));
  }
  return out;
};

const expectStatusRange: Check = (t) => {
  const out: Diagnostic[] = [];
  const pools = idsOf(t.pools);
  for (let i = 0; i < pools.ids.length; i++) {
    const id = pools.ids[i]!;
    const s = pools.values[i]!.healthCheck?.expectStatus;
    if (typeof s !== 'string' || !s.includes('-')) continue;
    const [lo, hi] = s.split('-').map(Number);
    if (!(lo! < hi!)) out.push(error(ptr(['pools', id, 'healthCheck', 'expectStatus']), `a range must go from low to high (got "${s}")`));
  }
  return out;
};

const headersWithoutTls: Check = (t) =>
  t.securityHeaders && Object.keys(t.securityHeaders).length > 0 && !t.tls
    ? [warning('/securityHeaders', 'security headers are sent on HTTPS responses only, and this topology has no tls: no target sends them (add a tls block, or remove securityHeaders)')]
    : [];

const addressesValid: Check = (t) => {
  const out: Diagnostic[] = [];
  const { ids, values } = idsOf(t.servers);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const a = values[i]!.address;
    if (isIPv4(a)) continue;
    if (/^[0-9.]+$/.test(a)) out.push(error(ptr(['servers', id, 'address']), `"${a}" is not a valid IPv4 address`));
    if (a.includes(':') && typeof parseCidr(a) === 'string') out.push(error(ptr(['servers', id, 'address']), `"${a}" is not a valid IPv6 address`));
  }
  const listen = t.listen?.address;
  if (listen !== undefined && typeof parseCidr(listen) === 'string') out.push(error('/listen/address', `"${listen}" is not a valid IP address`));
  const cidrs = (at: string, list: readonly string[] | undefined) => {
    list?.forEach((c, i) => {
      const parsed = parseCidr(c);
      if (typeof parsed === 'string') out.push(error(`${at}/${i}`, parsed));
    });
  };
  t.routes.forEach((r, i) => r.allowFrom && cidrs(ptr(['routes', i, 'allowFrom']), r.allowFrom));
  if (t.sites) for (const id of idsOf(t.sites).ids) t.sites[id]!.routes.forEach((r, i) => r.allowFrom && cidrs(ptr(['sites', id, 'routes', i, 'allowFrom']), r.allowFrom));
  cidrs('/monitoring/metrics/allowFrom', t.monitoring?.metrics?.allowFrom);
  cidrs('/stats/allowFrom', t.stats?.allowFrom);
  cidrs('/listen/trustedProxies', t.listen?.trustedProxies);
  for (const [id, s] of Object.entries(t.streams ?? {})) cidrs(`${ptr(['streams', id])}/allowFrom`, s.allowFrom);
  return out;
};

const listenerConsistency: Check = (t) => {
  const out: Diagnostic[] = [];
  if (!t.tls && t.listen?.redirectToHttps === true) out.push(error('/listen/redirectToHttps', 'a redirect to HTTPS needs a tls block'));
  if (!t.tls && t.listen?.https !== undefined) out.push(warning('/listen/https', 'ignored: there is no tls block, so nothing listens for HTTPS'));
  // A PROXY header names any address its sender likes: only the networks of the balancers in front may be believed.
  if (t.listen?.proxyProtocol === true && !t.listen.trustedProxies) out.push(error('/listen/proxyProtocol', 'the PROXY protocol needs listen.trustedProxies: the networks of the balancers allowed to name the client'));
  const ports: [string, number][] = [['/listen/http', t.listen?.http ?? DEFAULTS.listen.http]];
  if (t.tls) ports.push(['/listen/https', t.listen?.https ?? DEFAULTS.listen.https]);
  if (t.stats) ports.push(['/stats/port', t.stats.port]);
  if (t.monitoring?.metrics) ports.push(['/monitoring/metrics/port', t.monitoring.metrics.port]);
  ports.forEach(([at, port], i) => {
    const clash = ports.slice(0, i).find(([, p]) => p === port);
    if (clash) out.push(error(at, `port ${port} is already used by ${clash[0].slice(1).replace(/\//g, '.')}`));
  });
  if (t.aws?.accessLogs) {
    const a = t.aws.accessLogs;
    if (a.create === true && a.bucket !== undefined) out.push(error('/aws/accessLogs/bucket', 'give either an existing bucket or create: true, not both'));
    if (a.create !== true && a.bucket === undefined) out.push(error('/aws/accessLogs', 'needs a bucket, or create: true'));
  }
  return out;
};

const unused: Check = (t) => {
  const pools = idsOf(t.pools);
  const usedPools = new Uint8Array(pools.ids.length);
  const use = (id: string) => {
    const place = pools.place.get(id);
    if (place !== undefined) usedPools[place] = 1;
  };
  for (const [, routes] of routeLists(t)) {
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i]!;
      use(r.pool);
      if (r.canary) use(r.canary.pool);
    }
  }
  for (const id of streamPools(t)) use(id);
  const { ids } = idsOf(t.servers);
  const usedServers = new Uint8Array(ids.length);
  const members = membersOf(t);
  for (let i = 0; i < members.length; i++) {
    const places = members[i]!;
    for (let k = 0; k < places.length; k++) if (places[k]! >= 0) usedServers[places[k]!] = 1;
  }
  const out: Diagnostic[] = [];
  for (let i = 0; i < pools.ids.length; i++) {
    if (!usedPools[i]) out.push(warning(ptr(['pools', pools.ids[i]!]), `pool "${pools.ids[i]!}" is not used by any route`, { atKey: true }));
  }
  for (let i = 0; i < ids.length; i++) {
    if (!usedServers[i]) out.push(warning(ptr(['servers', ids[i]!]), `server "${ids[i]!}" is not in any pool`, { atKey: true }));
  }
  return out;
};

/** An alerts block without a threshold alerts on nothing (the ALB template would declare a topic parameter no alarm uses). */
const alertsWithoutThreshold: Check = (t) => {
  const a = t.monitoring?.alerts;
  if (!a || a.errorRatePercent !== undefined || a.responseTime !== undefined || a.unhealthyServersPercent !== undefined) return [];
  return [error('/monitoring/alerts', 'no threshold: give at least one of errorRatePercent, responseTime and unhealthyServersPercent, or leave alerts out', { atKey: true })];
};

/** The top-level routes, then each site's, with where each list is written. */
function routeLists(t: Topology): [(string | number)[], RouteInput[]][] {
  const out: [(string | number)[], RouteInput[]][] = [[['routes'], t.routes]];
  if (t.sites) {
    const sites = idsOf(t.sites);
    sites.ids.forEach((id, i) => out.push([['sites', id, 'routes'], sites.values[i]!.routes]));
  }
  return out;
}

/**
 * Sites: a domain belongs to one site (letter case aside: Host is case-insensitive), a site's own
 * certificate needs the top-level tls (the HTTPS port, and the certificate of clients without SNI),
 * strictHost needs top-level domains (else the top-level routes could never be reached).
 */
const siteConsistency: Check = (t) => {
  const out: Diagnostic[] = [];
  const owner = new Map<string, string>();
  (t.domains ?? []).forEach((d) => owner.set(d.toLowerCase(), 'domains'));
  const sites = t.sites ? idsOf(t.sites) : null;
  sites?.ids.forEach((id, i) => {
    const s = sites.values[i]!;
    s.domains.forEach((d, j) => {
      const key = d.toLowerCase();
      const other = owner.get(key);
      if (other !== undefined) out.push(error(ptr(['sites', id, 'domains', j]), `"${d}" is already a domain of ${other === 'domains' ? 'the default site (domains)' : `site ${other}`}: each domain belongs to one site`));
      else owner.set(key, id);
    });
    if (s.tls && !t.tls) out.push(error(ptr(['sites', id, 'tls']), "a site's own certificate needs the top-level tls: it opens the HTTPS port and is the certificate of clients that send no SNI", { atKey: true }));
  });
  if (t.strictHost === true && !(t.domains ?? []).length) {
    out.push(error('/strictHost', 'strictHost answers 421 to every Host that is not in domains or a site\'s domains: without top-level domains, the top-level routes could never be reached (add domains)'));
  }
  return out;
};

/** A route's tunnel timeout times WebSocket tunnels: on a route without them it would do nothing. */
const routeTunnelWithoutWebSocket: Check = (t) => {
  const out: Diagnostic[] = [];
  for (const [at, list] of routeLists(t)) {
    for (let i = 0; i < list.length; i++) {
      const r = list[i]!;
      if (r.timeouts?.tunnel !== undefined && r.websocket !== true) out.push(warning(ptr([...at, i, 'timeouts', 'tunnel']), 'ignored: the tunnel timeout applies to WebSocket tunnels, and this route has no websocket: true'));
    }
  }
  return out;
};

const CHECKS: readonly Check[] = [
  routeTunnelWithoutWebSocket, siteConsistency, poolOnlyBackups, stickyContradictsBalance, healthCheckTimeout, expectStatusRange,
  headersWithoutTls, addressesValid, listenerConsistency, alertsWithoutThreshold, loadFeedbackPort, unused, ...STREAM_CHECKS,
];

/** Every check on a topology the schema accepted: the reference checks, then the consistency checks. */
export const checkTopology = (t: Topology): Diagnostic[] => [...referenceChecks(t), ...CHECKS.flatMap((check) => check(t))];
