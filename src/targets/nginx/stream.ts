import { type Model, type Pool, type Server, type Stream, serverPointer } from '../../model/model.js';
import { formatDuration } from '../../model/duration.js';
import { nginxArg } from '../../render/escape.js';
import { TLS12_CIPHERS } from '../tls.js';
import { type Decision, decision } from '../target.js';
import { upstreamName } from './names.js';
import type { NginxStreamView, StreamServerView, StreamUpstreamView } from './view.js';

/**
 * streams as nginx's stream block: an upstream per pool that a stream uses (the http block's
 * upstreams cannot serve it) and a server per stream. Debian builds the stream module as a dynamic
 * module (package libnginx-mod-stream), loaded with load_module from nginx.streamModule; nginx.org's
 * packages build it in (nginx.streamModule: builtin).
 */
export function streamView(model: Model, decisions: Decision[]): { module: NginxStreamView['module']; view: NginxStreamView | null } {
  if (!model.streams.length) return { module: null, view: null };
  const module = moduleView(model, decisions);
  const pools = [...new Set(model.streams.map((s) => s.pool))].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const upstreams = pools.map((p) => upstreamView(model, p, decisions));
  const json = model.monitoring.accessLog === 'json';
  return {
    module,
    view: {
      module,
      logFormat: json ? STREAM_JSON_LOG : STREAM_COMBINED_LOG,
      jsonEscape: json,
      accessLog: nginxArg(model.nginx.accessLog),
      upstreams,
      servers: model.streams.map((s) => serverView(model, s, decisions)),
    },
  };
}

/** One JSON object per session, with the http block's time field; the port says which service. */
const STREAM_JSON_LOG = `'{"time":"$time_iso8601","client":"$remote_addr","port":$server_port,"protocol":"$protocol","status":$status,"bytes_in":$bytes_received,"bytes_out":$bytes_sent,"upstream":"$upstream_addr","session_time":$session_time}'`;
const STREAM_COMBINED_LOG = `'$remote_addr [$time_local] $server_port $protocol $status $bytes_sent $bytes_received $session_time "$upstream_addr"'`;

function moduleView(model: Model, decisions: Decision[]): NginxStreamView['module'] {
  const m = model.nginx.streamModule;
  const pointer = model.nginx.streamModuleGiven ? '/nginx/streamModule' : '/streams';
  if (m === 'builtin') {
    decisions.push(decision('streams', 'native', 'the stream block, with nginx\'s built-in stream module (nginx.streamModule: builtin, as nginx.org\'s packages build it): no load_module', pointer));
    return { load: null };
  }
  decisions.push(decision('streams', 'native', `the stream block, with the stream module loaded from ${m} (load_module; Debian's and Ubuntu's package libnginx-mod-stream installs it there; on nginx.org's packages, which build it in, set nginx.streamModule: builtin)`, pointer));
  return { load: nginxArg(m) };
}

/** The upstream of a pool in the stream block: `<name>_<pool>.stream` (no pool id has a '.', so it meets no http upstream or zone). */
function upstreamView(model: Model, pool: Pool, decisions: Decision[]): StreamUpstreamView {
  const name = `${upstreamName(model, pool)}.stream`;
  const passive = `max_fails=${pool.passive.maxFails} fail_timeout=${formatDuration(pool.passive.failTimeout)}`;
  const sticky = pool.sticky?.by === 'source-ip';
  const method = sticky || pool.balance === 'source-ip-hash' ? 'hash $remote_addr consistent' : pool.balance === 'least-connections' ? 'least_conn' : null;
  const comments = [`pool ${pool.id} (streams)`];
  if (sticky) decisions.push(decision('stickySourceIp', 'native', `stream upstream ${name}: hash $remote_addr consistent, a client address always reaches the same server while it is up`, pool.sticky!.pointer));
  if (sticky && pool.balance === 'least-connections') {
    const d = decision('balance', 'approximated', `nginx: an upstream has one balancing method: source-IP stickiness wins over least-connections for pool "${pool.id}"`, `${pool.pointer}/balance`);
    decisions.push(d);
    comments.push(d.note);
  }
  const hashed = method !== null && method.startsWith('hash');
  const servers: StreamUpstreamView['servers'] = [];
  for (const m of pool.members) {
    if (m.backup && hashed) continue;
    servers.push({ host: m.family === 'ipv6' ? `[${m.address}]` : nginxArg(m.address), port: m.port, params: serverParams(m, passive) });
  }
  if (pool.healthCheck) {
    decisions.push(decision('activeHealthCheck', 'approximated', `nginx open source has no active health checks; rendered as passive ${passive}`, pool.healthCheck.pointer));
  }
  for (const m of pool.members) {
    if (m.maxConnections === null) continue;
    decisions.push(decision('serverMaxConnections', 'approximated', `nginx open source has no queue: over max_conns=${m.maxConnections} a new connection to server "${m.id}" goes to another server of pool "${pool.id}", or is closed at once when none has room (stream upstream ${name})`, `${serverPointer(m)}/maxConnections`));
  }
  return { name, comments, zone: `${name} ${Math.max(64, pool.members.length * 2)}k`, method, servers };
}

function serverParams(m: Server, passive: string): string {
  return [m.weight !== 1 ? `weight=${m.weight}` : '', passive, m.maxConnections !== null ? `max_conns=${m.maxConnections}` : '', m.backup ? 'backup' : ''].filter(Boolean).join(' ');
}

function listens(model: Model, s: Stream): string[] {
  const suffix = s.protocol === 'udp' ? ' udp' : s.protocol === 'tls' ? ' ssl' : '';
  const a = model.listen.address;
  if (a === null) return [`${s.port}${suffix}`, `[::]:${s.port}${suffix}`];
  return [`${model.listen.addressFamily === 6 ? `[${a}]` : a}:${s.port}${suffix}`];
}

function serverView(model: Model, s: Stream, decisions: Decision[]): StreamServerView {
  const note = (feature: Decision['feature'], text: string, pointer: string) => decisions.push(decision(feature, 'native', `stream ${s.id}: ${text}`, pointer));
  // '.' is in no id: these zone names meet none of the http block's (<name>_<pool>, <name>_route<i>, ...).
  const zone = s.connectionsPerClient === null ? null : `${model.name}.stream.${s.id}`;
  note('streams', `a server with listen ${s.port}${s.protocol === 'udp' ? ' udp' : s.protocol === 'tls' ? ' ssl' : ''}, proxy_pass to the pool's stream upstream, proxy_timeout ${formatDuration(s.idleTimeout)} (idleTimeout)${s.protocol === 'udp' ? '; no proxy_responses: a client\'s session lasts while datagrams pass either way, and ends after idleTimeout without any (a server may answer any number of datagrams)' : ''}${s.protocol === 'tls' ? '; TLS terminated with tls.certificate and tls.key (ssl_protocols and ciphers as the HTTPS server), plain TCP to the servers' : ''}`, s.pointer);
  if (s.allowFrom) note('allowFrom', 'allow ...; deny all; in the stream server: a connection (or datagram) from elsewhere is closed at once', `${s.pointer}/allowFrom`);
  if (zone) note('connectionLimits', `limit_conn ${s.connectionsPerClient} on $binary_remote_addr: a client address's extra connection${s.protocol === 'udp' ? ' (session)' : ''} is closed at once`, `${s.pointer}/connectionsPerClient`);
  if (s.proxyProtocol) {
    decisions.push(decision('proxyProtocol', 'approximated', `stream ${s.id}: nginx open source sends the PROXY protocol in version 1 only (proxy_protocol on: a text line), where HAProxy and the NLB send version 2: the servers must accept v1`, `${s.pointer}/proxyProtocol`));
  }
  const tls = s.protocol === 'tls' ? model.tls! : null;
  return {
    comment: `stream ${s.id}: ${s.protocol} port ${s.port} to pool ${s.pool.id}`,
    listens: listens(model, s),
    allow: s.allowFrom ? s.allowFrom.map((c) => c.text) : null,
    limitConn: zone ? { zone, limit: s.connectionsPerClient! } : null,
    upstream: `${upstreamName(model, s.pool)}.stream`,
    connectTimeout: formatDuration(s.pool.timeouts.connect),
    idleTimeout: formatDuration(s.idleTimeout),
    proxyProtocol: s.proxyProtocol,
    tls: tls ? { certificate: nginxArg(tls.certificate), key: nginxArg(tls.key), protocols: tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2 TLSv1.3', ciphers: TLS12_CIPHERS, sessionCache: `shared:${model.name}.stream-tls:10m` } : null,
  };
}
