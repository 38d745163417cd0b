import { type HealthCheck, type LoadFeedback, type Model, type Pool, type Server, serverPointer } from '../../model/model.js';
import { formatDuration, toSeconds } from '../../model/duration.js';
import { haproxyArg, haproxyFmt } from '../../render/escape.js';
import { type Decision, decision } from '../target.js';
import { lastOf } from '../memo.js';
import { TRIES } from '../retry.js';
import { backendName, plainWord } from './names.js';
import type { BackendView } from './view.js';

const BALANCE = { 'round-robin': 'roundrobin', 'least-connections': 'leastconn', 'source-ip-hash': 'source' } as const;
const BALANCE_NOTE = { 'round-robin': 'balance roundrobin', 'least-connections': 'balance leastconn', 'source-ip-hash': 'balance source' } as const;

/** Entries of a stickiness table: one per client address or cookie value seen within the TTL. */
const STICK_TABLE_SIZE = '1m';

type Stickiness = Pick<BackendView, 'cookie' | 'stickTable' | 'stickRules'>;

/** The rules of a backend that has none (most): one empty list for all of them, never written to. */
const NO_RULES: string[] = [];

export function backendView(model: Model, pool: Pool, decisions: Decision[], routeTimeouts: string[] = NO_RULES): BackendView {
  const note = (d: Decision) => decisions.push(d);
  const hashed = hashesSource(pool);
  if (hashed && pool.balance === 'least-connections') note(hashedNotLeastConn(pool, ''));
  else if (pool.balance !== 'round-robin') note(decision('balance', 'native', BALANCE_NOTE[pool.balance], `${pool.pointer}/balance`));
  const sticky = stickiness(model, pool, note);
  const check = pool.healthCheck;
  if (check?.type === 'tcp') note(decision('activeHealthCheck', 'native', `server check inter/rise/fall: a TCP connect to ${check.port ?? "each server's port"} (healthCheck.type: tcp)`, check.pointer));
  else if (check) note(decision('activeHealthCheck', 'native', checkNote(check.host.name, check.host.from), check.pointer));
  note(decision('passiveHealthCheck', 'native', passiveNote(pool), pool.pointer));
  note(decision('keepalive', 'native', pool.keepalive > 0
    ? 'server connections kept alive and reused between requests (HAProxy sizes its idle pool itself)'
    : 'option http-server-close: no idle server connections', pool.pointer));
  if (pool.members.some((m) => m.backup)) {
    const backups = pool.members.filter((m) => m.backup);
    note(decision('backupServers', 'native', `server ... backup (${backups.map((b) => b.id).join(', ')})`, `${pool.pointer}/servers`));
  }
  if (pool.members.some((m) => m.weight !== 1)) note(decision('weights', 'native', 'server ... weight N', `${pool.pointer}/servers`));
  const scale = weightScale(pool);
  const agent = pool.loadFeedback ? agentParams(pool.loadFeedback) : '';
  if (pool.loadFeedback) note(decision('loadFeedback', 'native', feedbackNote(pool.loadFeedback.port, pool.loadFeedback.interval, scale), pool.loadFeedback.pointer));
  for (const m of pool.members) {
    if (m.maxConnections !== null) {
      note(decision('serverMaxConnections', 'native', `server maxconn ${m.maxConnections}; beyond it requests queue for ${formatDuration(model.limits.queueTimeout)} (timeout queue), then 503`, `${serverPointer(m)}/maxConnections`));
    }
  }
  // Every field in one literal (no spread): V8 keeps them all in the object itself.
  return {
    name: backendName(model, pool),
    comments: [`pool ${pool.id}${pool.used ? '' : ' (no route uses it)'}`],
    balance: balanceOf(pool),
    // Consistent hashing moves only the clients of a server that goes down or comes back.
    hashConsistent: hashed,
    cookie: sticky.cookie,
    stickTable: sticky.stickTable,
    stickRules: sticky.stickRules,
    check: check && check.type === 'http'
      // http-check send reads the header's value as a log-format string: haproxyFmt.
      ? checkView(check.path, check.host.name, expectStatus(check.expectStatus), check.timeout)
      : null,
    serverClose: pool.keepalive === 0,
    timeouts: timeouts(pool),
    routeTimeouts,
    defaultServer: defaultServer(pool),
    servers: pool.members.map((m) => ({
      name: haproxyArg(m.id),
      host: hostOf(m),
      port: m.port,
      params: serverParams(m, sticky.cookie !== null, scale, agent),
    })),
  };
}

/** An IPv4 address is digits and dots, written as it is: only names and IPv6 addresses are escaped (100,000 servers make this count). */
const hostOf = (m: Server): string => (m.family === 'ipv4' ? m.address : m.family === 'ipv6' ? `[${haproxyArg(m.address)}]` : haproxyArg(m.address));

/** Pools mostly share their check: one view of it for all of them. */
const checkView = lastOf((path: string, host: string, expect: string, timeout: number): NonNullable<BackendView['check']> =>
  ({ path: haproxyArg(path), host: haproxyFmt(host), expect, timeout: formatDuration(timeout) }));

/**
 * Which Host the check sends, and why. HAProxy 2.6 sends HTTP/1.0 without one unless told, and an
 * application that checks Host (Django's ALLOWED_HOSTS, say) answers 400 to a missing or wrong
 * one, a wildcard included: every server would go down. The model never picks a wildcard.
 */
const checkNote = lastOf((host: string, from: HealthCheck['host']['from']): string => {
  const why = { 'healthCheck.host': 'healthCheck.host', domains: 'the first of domains that is not a wildcard', server: "the pool's first server's address: no domain that is not a wildcard; set healthCheck.host" }[from];
  return `option httpchk + http-check expect, server check inter/rise/fall, timeout check; the check sends Host: ${host} (${why})`;
});

/** `status 200`, or `status 200-399`: HAProxy's `status` takes ranges, so a range keeps its exact bounds. */
function expectStatus(s: { min: number; max: number }): string {
  return s.min === s.max ? `${s.min}` : `${s.min}-${s.max}`;
}

const passiveNote = (pool: Pool): string => passiveText(pool.passive.maxFails, pool.passive.failTimeout, pool.healthCheck !== null);
const passiveText = lastOf((maxFails: number, failTimeout: number, checked: boolean): string => {
  const back = checked ? 'the health check brings it back' : `a TCP check every ${formatDuration(failTimeout)} brings it back`;
  return `observe layer4 error-limit ${maxFails} on-error mark-down: ${maxFails} consecutive connection failures take a server out (5xx answers do not, as with nginx's max_fails: a client must not be able to empty a pool with a URL that fails); ${back}; a request whose server fails before any answer (connection refused, reset or timed out, or closed with nothing back; not a response timeout) is retried at once on another server, ${TRIES - 1} times at most (retry-on, option redispatch 1)`;
});

/** The timeouts a backend sets (tunnel only for a WebSocket pool). */
const timeouts = (pool: Pool): BackendView['timeouts'] =>
  timeoutList(pool.timeouts.connect, pool.timeouts.server, pool.websocket ? pool.timeouts.tunnel : null);
const timeoutList = lastOf((connect: number, server: number, tunnel: number | null): BackendView['timeouts'] => [
  { name: 'connect', value: formatDuration(connect) },
  { name: 'server', value: formatDuration(server) },
  ...(tunnel === null ? [] : [{ name: 'tunnel', value: formatDuration(tunnel) }]),
]);

/**
 * Passive ejection (`observe`) needs health checks to be enabled. A pool without an active check
 * gets a plain TCP connect check every failTimeout: that is what returns a marked-down server after
 * failTimeout, as nginx's fail_timeout does.
 */
// HAProxy spreads the first checks of all servers over the longest `inter` in the process: a 30s
// inter here delayed other pools' first health checks by up to 27s (measured), so the TCP check of
// an unchecked pool runs every 2s and only a down server waits failTimeout (downinter).
function defaultServer(pool: Pool): string {
  const hc = pool.healthCheck;
  if (!hc) return uncheckedServer(pool.passive.failTimeout, pool.passive.maxFails);
  const line = checkedServer(hc.interval, hc.rise, hc.fall, pool.passive.maxFails);
  // healthCheck.port: the check goes there, the traffic to each server's own port.
  return hc.port === null ? line : line.replace(' observe ', ` port ${hc.port} observe `);
}
const checkedServer = lastOf((interval: number, rise: number, fall: number, maxFails: number) =>
  `check inter ${formatDuration(interval)} rise ${rise} fall ${fall} observe layer4 error-limit ${maxFails} on-error mark-down`);
const uncheckedServer = lastOf((failTimeout: number, maxFails: number) =>
  `check inter 2s downinter ${formatDuration(failTimeout)} rise 1 observe layer4 error-limit ${maxFails} on-error mark-down`);

function serverParams(m: Server, cookie: boolean, scale: number, agent: string): string {
  if (m.weight === 1 && scale === 1 && m.maxConnections === null && !m.backup && agent === '') return cookie ? `cookie ${haproxyArg(m.id)}` : '';
  const weight = m.weight * scale;
  return [
    cookie ? `cookie ${haproxyArg(m.id)}` : '',
    weight !== 1 ? `weight ${weight}` : '',
    m.maxConnections !== null ? `maxconn ${m.maxConnections}` : '',
    m.backup ? 'backup' : '',
    agent,
  ].filter(Boolean).join(' ');
}

/** HAProxy's largest server weight. */
const MAX_WEIGHT = 256;

/**
 * What a pool's weights are multiplied by. An agent's percentage sets a server's weight to its
 * configured weight x p / 100, rounded down: at weight 1, any answer under 100% is 0 (drained).
 * The largest factor up to 100 that keeps every weight within 256 gives answers steps of 1% (1
 * becomes 100) and keeps the ratios between servers. 1 without loadFeedback.
 */
export function weightScale(pool: Pool): number {
  if (!pool.loadFeedback) return 1;
  const heaviest = pool.members.reduce((w, m) => Math.max(w, m.weight), 1);
  return Math.min(100, Math.floor(MAX_WEIGHT / heaviest));
}

/** The agent is asked on the server's own address (agent-addr unset). */
const agentParams = (f: LoadFeedback): string => `agent-check agent-port ${f.port} agent-inter ${formatDuration(f.interval)}`;

const feedbackNote = (port: number, interval: number, scale: number): string =>
  `agent-check agent-port ${port} agent-inter ${formatDuration(interval)} on each server: every ${formatDuration(interval)} HAProxy asks the agent on the server's address, port ${port}, for one line: a percentage sets the server's weight to that share of its configured one (75%), drain stops new requests but those kept by stickiness, maint stops them all, ready ends drain or maint, down and up set its state (an agent's drain, maint or down is undone only by the agent); an agent that does not answer changes nothing. ${
    scale > 1 ? `The weights are rendered x${scale} (1 becomes ${scale}), as HAProxy rounds weight x percentage down` : 'The weights are rendered as they are (the heaviest is over 128): HAProxy rounds weight x percentage down, so a light server moves in coarse steps'
  }`;

function stickiness(model: Model, pool: Pool, note: (d: Decision) => void): Stickiness {
  const s = pool.sticky;
  if (!s) return NOT_STICKY;
  const ttl = formatDuration(s.ttl);
  if (s.by === 'source-ip') {
    note(decision('stickySourceIp', 'native', `stick table on src (expire ${ttl}), a new client placed by a consistent hash of its address (balance source, hash-type consistent): the table lives in the process and a reload empties it, but each address then hashes to the server it had while the pool is unchanged (as nginx's hash); the table keeps a client on its server for the ttl when weights change at run time (an agent's drain or percentage)`, s.pointer));
    // type ipv6 also holds IPv4 clients (as ::ffff:a.b.c.d); type ip would not track IPv6 ones.
    return { cookie: null, stickTable: `type ipv6 size ${STICK_TABLE_SIZE} expire ${ttl}`, stickRules: ['stick on src'] };
  }
  const name = plainWord(s.cookie, 'cookie name');
  if (s.setBy === 'application' && s.value === 'server-id') {
    // The value names its server: a rule per server, and no table. A table learnt from Set-Cookie
    // lives in one process: a reload (or another HAProxy in front of the pool) starts it empty and
    // would balance every returning client anew.
    note(decision('stickyAppCookie', 'native', `use-server on the application's cookie ${s.cookie}, whose value names the server (sticky.value: server-id): nothing learnt, so a cookie issued before a reload, or through another HAProxy, reaches its server; a value that names no server of the pool, or a server that is down, is balanced`, s.pointer));
    return { cookie: null, stickTable: null, stickRules: pool.members.map((m) => `use-server ${haproxyArg(m.id)} if { req.cook(${name}) -m str ${haproxyArg(m.id)} }`) };
  }
  if (s.setBy === 'application') {
    note(decision('stickyAppCookie', 'native', `stick table on the application's cookie ${s.cookie} (learnt from Set-Cookie, expire ${ttl}); the table lives in the process, so a reload starts it empty and returning clients are balanced anew (sticky.value: server-id needs no table)`, s.pointer));
    return {
      cookie: null,
      stickTable: `type string len 128 size ${STICK_TABLE_SIZE} expire ${ttl}`,
      stickRules: [`stick on req.cook(${name})`, `stick store-response res.cook(${name})`],
    };
  }
  note(decision('stickyCookie', 'native', cookieNote(s.cookie, ttl), s.pointer));
  // Secure only when every proxied request arrived over HTTPS; otherwise plain-HTTP clients would never send it back.
  return insertedCookie(s.cookie, s.ttl, model.tls !== null && model.listen.redirectToHttps);
}

const NOT_STICKY: Stickiness = { cookie: null, stickTable: null, stickRules: NO_RULES };

/**
 * Whether new clients are placed by a consistent hash of their address: source-ip-hash, and every
 * pool sticky by source-ip. A stick table lives in one process, so a reload (each deploy, each
 * certificate renewal) empties it; the hash gives a returning client its server back.
 */
export const hashesSource = (pool: Pool): boolean => pool.balance === 'source-ip-hash' || pool.sticky?.by === 'source-ip';

/** The pool's balance keyword, in a backend or a stream's listen section. */
export const balanceOf = (pool: Pool): string => (hashesSource(pool) ? BALANCE['source-ip-hash'] : BALANCE[pool.balance]);

/** What a least-connections pool sticky by source-ip gives up on HAProxy; `where` names the stream, if any. */
export const hashedNotLeastConn = (pool: Pool, where: string): Decision =>
  decision('balance', 'approximated', `HAProxy: ${where}source-IP stickiness places a new client of pool "${pool.id}" by a consistent hash of its address, not by least connections, so that a reload (which empties the stickiness table) leaves each client on its server`, `${pool.pointer}/balance`);

const cookieNote = lastOf((cookie: string, ttl: string) => `cookie ${cookie} insert (maxlife ${ttl}), one value per server`);

/** Cookie-sticky pools mostly share their cookie: one line for all of them. */
const insertedCookie = lastOf((cookie: string, ttlMs: number, secure: boolean): Stickiness => {
  const ttl = formatDuration(ttlMs);
  // maxlife makes HAProxy ignore an older cookie; Max-Age makes the browser keep it that long (else it is a session cookie).
  return { cookie: `${haproxyArg(cookie)} insert indirect nocache httponly${secure ? ' secure' : ''} maxlife ${ttl} attr Max-Age=${toSeconds(ttlMs)}`, stickTable: null, stickRules: NO_RULES };
});
