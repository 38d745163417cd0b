import { type Model, type Pool, type Server, serverPointer } from '../../model/model.js';
import { atLeast, formatDuration } from '../../model/duration.js';
import { nginxArg, nginxMapKey } from '../../render/escape.js';
import { lastOf } from '../memo.js';
import { TRIES } from '../retry.js';
import { type Decision, decision } from '../target.js';
import { upstreamName } from './names.js';
import type { StickyMapView, UpstreamView } from './view.js';

/** A pool's upstreams (its own first) and what its locations proxy to: a map's variable, or null for its upstream's name. */
export type PoolUpstreams = { upstreams: UpstreamView[]; proxyPass: string | null };

/** Where a pool's upstreams record what they say: its decisions, the maps they need, and the gap notes their comments show. */
export type Sinks = { readonly decisions: Decision[]; readonly maps: StickyMapView[]; readonly shown: Set<string> };

/** Shorter than Node's default keepAliveTimeout (5s), so nginx never reuses a connection the backend is closing. */
export const UPSTREAM_IDLE_TIMEOUT = 4000;

/** The first version whose open-source build has `sticky cookie`. */
const STICKY_COOKIE_SINCE = '1.29.6';

export function poolUpstreams(model: Model, pool: Pool, index: number, sinks: Sinks): PoolUpstreams {
  const own = upstreamView(model, pool, index, sinks);
  const s = pool.sticky;
  if (!s || !followsServerId(pool)) return { upstreams: [own], proxyPass: null };
  const { maps } = sinks;
  // The cookie names the server that issued it: a map sends that value to an upstream of that
  // server alone, the pool's other servers its backups (a dead server still fails over, and the
  // server that answers then issues its own id). No cookie, or a value that names no server of the
  // pool (a server since removed, a forged value), goes to the pool's own upstream, balanced.
  const value = `$lbgen_sticky_${index}`;
  const proxyPass = `$lbgen_pool_${index}`;
  maps.push({ source: '$http_cookie', variable: value, entries: [{ key: cookieRegex(s.cookie), value: '$value' }], fallback: '""', comment: `pool ${pool.id}: the value of cookie ${s.cookie}` });
  maps.push({
    source: value,
    variable: proxyPass,
    entries: pool.members.map((m) => ({ key: nginxMapKey(m.id), value: serverUpstreamName(own.name, m) })),
    fallback: own.name,
    comment: `pool ${pool.id}: a value that names a server of the pool goes to that server, anything else is balanced`,
  });
  // max_fails counts apart in each upstream: a server's failures there do not mark it here. A pool
  // of N servers has N + 1 upstreams of N servers: the output grows with the square of N.
  const passive = passiveOf(pool);
  const perServer = pool.members.map((first): UpstreamView => {
    const servers = [first, ...pool.members.filter((m) => m !== first)].map((m) => serverLine(m, passive, m !== first));
    const name = serverUpstreamName(own.name, first);
    return { ...own, name, comments: [`pool ${pool.id}, cookie ${s.cookie}=${first.id}: server ${first.id}, the others its backups`], zone: zoneOf(name, pool), method: null, sticky: null, servers };
  });
  return { upstreams: [own, ...perServer], proxyPass };
}

/** The application's cookie holds the id of the server that issued it: nginx can send it back there. */
const followsServerId = (pool: Pool) => pool.sticky?.by === 'cookie' && pool.sticky.setBy === 'application' && pool.sticky.value === 'server-id';

/** Pool and server ids hold no '.': the name of a pool's upstream for one server never meets another's. */
const serverUpstreamName = (poolUpstream: string, m: Server) => `${poolUpstream}.${m.id}`;

/** A shared zone makes least_conn and max_fails count across workers, not per worker. */
const zoneOf = (name: string, pool: Pool) => name + zoneSize(Math.max(64, pool.members.length * 2));
/** ` 64k`: pools mostly have the same size, so each zone's text is its name and one shared suffix. */
const zoneSize = lastOf((kilobytes: number) => ` ${kilobytes}k`);

const passiveOf = (pool: Pool) => passiveParams(pool.passive.maxFails, pool.passive.failTimeout);

function serverLine(m: Server, passive: string, backup: boolean): UpstreamView['servers'][number] {
  return { host: hostOf(m), port: m.port, params: serverParams(m, passive, backup) };
}

/** An IPv4 address is digits and dots, written as it is: only names are escaped (100,000 servers make this count). */
const hostOf = (m: Server): string => (m.family === 'ipv4' ? m.address : m.family === 'ipv6' ? `[${m.address}]` : nginxArg(m.address));

/** A cookie name with '-' cannot be read as $cookie_NAME: its value is read from the Cookie header instead. */
const cookieRegex = (cookie: string) => nginxArg(`~(?:^|;\\s*)${cookie}=(?<value>[^;]+)`);

function upstreamView(model: Model, pool: Pool, index: number, { decisions, maps, shown }: Sinks): UpstreamView {
  // The gaps this upstream's comments show, after its name.
  const gaps: string[] = [];
  const note = (d: Decision) => {
    decisions.push(d);
    if (d.outcome !== 'native') {
      gaps.push(d.note);
      shown.add(d.note);
    }
  };
  let method: string | null = pool.balance === 'least-connections' ? 'least_conn' : pool.balance === 'source-ip-hash' ? 'hash $remote_addr consistent' : null;
  let sticky: string | null = null;
  const s = pool.sticky;
  const cookieHash = (cookie: string) => {
    const hashVariable = `$lbgen_sticky_${index}`;
    maps.push({ source: '$http_cookie', variable: hashVariable, entries: [{ key: cookieRegex(cookie), value: '$value' }], fallback: '$remote_addr', comment: `pool ${pool.id}: cookie ${cookie}, else the client address` });
    return `hash ${hashVariable} consistent`;
  };
  if (s?.by === 'source-ip') {
    note(decision('stickySourceIp', 'native', 'hash $remote_addr consistent (the whole address, unlike ip_hash)', s.pointer));
    if (pool.balance === 'least-connections') {
      note(decision('balance', 'approximated', `nginx: an upstream has one balancing method: source-IP stickiness wins over least-connections for pool "${pool.id}"`, `${pool.pointer}/balance`));
    }
    method = 'hash $remote_addr consistent';
  } else if (s && followsServerId(pool)) {
    // poolUpstreams adds the map and an upstream per server; this one serves clients the map does not place.
    note(decision('stickyAppCookie', 'native', `a map from the value of the application's cookie ${s.cookie} to the server of the pool it names (an upstream per server, the pool's other servers its backups); a client without the cookie, or whose value names no server of the pool, is balanced as the pool says; a client stays as long as it sends the cookie (sticky.ttl, which bounds HAProxy's and the ALB's memory of it, has no part here)`, s.pointer));
  } else if (s?.by === 'cookie' && s.setBy === 'application') {
    note(decision('stickyAppCookie', 'approximated', `nginx cannot learn which server issued the opaque cookie ${s.cookie}: a client sending it is kept on the server a consistent hash of its value picks, which need not be the one that issued it (a new session may move once, after its first request, which is hashed on the client address); if the application sets the cookie to its server's id (as the guide's session-affinity middleware), set sticky.value: server-id`, s.pointer));
    if (pool.balance === 'least-connections') {
      note(decision('balance', 'approximated', `nginx: an upstream has one balancing method: cookie stickiness wins over least-connections for pool "${pool.id}"`, `${pool.pointer}/balance`));
    }
    method = cookieHash(s.cookie);
  } else if (s?.by === 'cookie') {
    if (atLeast(model.nginx.version, STICKY_COOKIE_SINCE)) {
      note(decision('stickyCookie', 'native', `sticky cookie ${s.cookie} (nginx >= ${STICKY_COOKIE_SINCE})`, s.pointer));
      // Secure only when every proxied request arrived over HTTPS (as HAProxy's): else plain-HTTP clients never send it back.
      const secure = model.tls !== null && model.listen.redirectToHttps ? ' secure' : '';
      sticky = `sticky cookie ${nginxArg(s.cookie)} expires=${formatDuration(s.ttl)} path=/ httponly${secure}`;
    } else {
      note(decision('stickyCookie', 'approximated', noStickyCookie(model.nginx.version.text, s.cookie), s.pointer));
      if (pool.balance === 'least-connections') {
        note(decision('balance', 'approximated', `nginx: an upstream has one balancing method: cookie stickiness wins over least-connections for pool "${pool.id}"`, `${pool.pointer}/balance`));
      }
      method = cookieHash(s.cookie);
    }
  }
  if (pool.balance === 'least-connections' && method === 'least_conn') {
    note(decision('balance', 'native', 'least_conn, counted across workers through the shared zone', `${pool.pointer}/balance`));
  }
  const hashed = method !== null && method.startsWith('hash');
  if (pool.loadFeedback) note(decision('loadFeedback', 'unsupported', noFeedback(pool, method), pool.loadFeedback.pointer));
  if (pool.members.some((m) => m.backup)) {
    const backups = pool.members.filter((m) => m.backup);
    if (hashed) note(decision('backupServers', 'approximated', `nginx: hash upstreams reject backup servers: ${backups.map((b) => b.id).join(', ')} left out of pool "${pool.id}"`, `${pool.pointer}/servers`));
    else note(decision('backupServers', 'native', 'server ... backup', `${pool.pointer}/servers`));
  }
  const hc = pool.healthCheck;
  const passive = passiveOf(pool);
  if (hc) note(decision('activeHealthCheck', 'approximated', noActiveCheck(passive), hc.pointer));
  // 5xx answers do not count, here or on HAProxy (observe layer4): an application error must not empty a pool.
  note(decision('passiveHealthCheck', 'native', passiveNote(passive), pool.pointer));
  // Retries stop once the read timeout has passed (proxy_next_upstream_timeout, see location.ts): a connect timeout as long loses its retry.
  const { connect, server } = pool.timeouts;
  if (server <= connect) {
    note(decision('timeouts', 'approximated', `nginx cannot tell a connection timeout from a response timeout and stops retrying once timeouts.server has passed (so that a slow request runs once): with timeouts.server ${formatDuration(server)} no longer than timeouts.connect ${formatDuration(connect)}, a connection to a server of pool "${pool.id}" that times out is not retried on another (HAProxy retries it)`, `${pool.pointer}/timeouts/server`));
  }
  for (const m of pool.members) {
    if (m.maxConnections !== null) {
      // Each upstream counts max_conns apart: the map's upstreams per server add to the pool's own.
      const apart = followsServerId(pool) ? ` (counted apart in pool "${pool.id}"'s upstream and in each of its upstreams per server)` : '';
      note(decision('serverMaxConnections', 'approximated', `nginx open source has no queue: over max_conns=${m.maxConnections} a request to server "${m.id}" fails at once with 502${apart}`, `${serverPointer(m)}/maxConnections`));
    }
  }
  // map and concat make lists of the exact length; lists grown by push keep room for 16 more items, and a view lives to the end.
  const servers = (hashed ? pool.members.filter((m) => !m.backup) : pool.members).map((m) => serverLine(m, passive, m.backup));
  const name = upstreamName(model, pool);
  return {
    name,
    comments: gaps.length ? [`pool ${pool.id}`].concat(gaps) : [`pool ${pool.id}`],
    zone: zoneOf(name, pool),
    method,
    sticky,
    servers,
    keepalive: pool.keepalive > 0 ? pool.keepalive : null,
    keepaliveTimeout: formatDuration(UPSTREAM_IDLE_TIMEOUT),
  };
}

/** nginx open source has no agent check (nginx Plus has none either): the nearest is least_conn. */
function noFeedback(pool: Pool, method: string | null): string {
  const weights = pool.members.some((m) => m.weight !== 1) ? 'its static weights' : 'equal shares (every weight 1)';
  const why = 'a loaded server, slower to answer, holds more open requests and gets fewer new ones';
  const nearest = method === 'least_conn'
    ? `its least_conn is the nearest nginx has: ${why}`
    : method === null
      ? `the nearest nginx has is balance: least-connections (least_conn): ${why}`
      : 'its servers are picked by a hash (stickiness or source-ip-hash), which no load changes';
  return `nginx open source cannot ask a server for its load (HAProxy's agent check): pool "${pool.id}" keeps ${weights} whatever its agents answer, drain included; ${nearest}`;
}

const noStickyCookie = lastOf((version: string, cookie: string) =>
  `nginx ${version} has no sticky cookie (open source from ${STICKY_COOKIE_SINCE}): clients are kept on a server by a consistent hash of cookie ${cookie} when present, else of the client address; set nginx.version: "${STICKY_COOKIE_SINCE}" to issue the cookie`);
const noActiveCheck = lastOf((passive: string) => `nginx open source has no active health checks; rendered as passive ${passive}`);
const passiveNote = lastOf((passive: string) => `${passive}: connection errors and timeouts count, 5xx answers do not; a request whose server fails before answering goes on to the next (proxy_next_upstream error timeout, ${TRIES} tries at most), but none once the lesser of timeouts.server and ${TRIES} x timeouts.connect has passed (proxy_next_upstream_timeout): a request whose answer timed out is not run again`);

/** Most pools share their passive settings, and most servers have no parameter of their own: one string for all of them. */
const passiveParams = lastOf((maxFails: number, failTimeout: number) => `max_fails=${maxFails} fail_timeout=${formatDuration(failTimeout)}`);

function serverParams(m: Server, passive: string, backup: boolean): string {
  if (m.weight === 1 && m.maxConnections === null && !backup) return passive;
  return [
    m.weight !== 1 ? `weight=${m.weight}` : '',
    passive,
    m.maxConnections !== null ? `max_conns=${m.maxConnections}` : '',
    backup ? 'backup' : '',
  ].filter(Boolean).join(' ');
}
