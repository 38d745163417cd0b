import { type Diagnostic, error } from '../../diagnostics.js';
import { type Model, type Pool, type Server, type Stream, serverPointer } from '../../model/model.js';
import { formatDuration } from '../../model/duration.js';
import { haproxyArg, haproxyFmt } from '../../render/escape.js';
import { type Decision, decision } from '../target.js';
import { balanceOf, hashedNotLeastConn, hashesSource } from './backend.js';
import { allowList, binds, frontendName, plainWord } from './names.js';
import type { StreamDefaultsView, StreamView } from './view.js';

/**
 * streams as mode tcp `listen` proxies, after a defaults section of their own: the HTTP defaults
 * (option forwardfor, retry-on, an HTTP log format) would draw warnings from every TCP proxy.
 * HAProxy's open-source edition proxies no UDP: a udp stream is an error of this target only.
 */

/** One JSON object per connection, at its end: the same time field as the HTTP log. */
const TCP_LOG = '{"time":"%[date,ltime(%Y-%m-%dT%H:%M:%S%z)]","client":"%ci","stream":"%f","backend":"%b","server":"%s","upstream":"%si:%sp","bytes_in":%U,"bytes_out":%B,"connect_ms":%Tc,"session_ms":%Tt,"termination":"%ts"}';
const TCP_LOG_COMBINED = '%ci:%cp [%t] %f %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq';

export const streamName = (model: Model, s: Stream): string => `${frontendName(model)}.stream.${plainWord(s.id, 'stream id')}`;
const perClientName = (model: Model, s: Stream): string => `${streamName(model, s)}.perclient`;

export function streamsView(model: Model, decisions: Decision[], diagnostics: Diagnostic[]): { defaults: StreamDefaultsView | null; streams: StreamView[] } {
  const tcp = model.streams.filter((s) => {
    if (s.protocol !== 'udp') return true;
    diagnostics.push(error(`${s.pointer}/protocol`, `stream "${s.id}" is udp: HAProxy's open-source edition proxies no UDP; render it with -t nginx or -t cloudformation, or leave haproxy out of the targets`));
    return false;
  });
  if (!tcp.length) return { defaults: null, streams: [] };
  return {
    defaults: {
      logFormat: haproxyArg(model.monitoring.accessLog === 'json' ? TCP_LOG : TCP_LOG_COMBINED),
      connect: formatDuration(5000),
    },
    streams: tcp.map((s) => streamView(model, s, decisions)),
  };
}

function streamView(model: Model, s: Stream, decisions: Decision[]): StreamView {
  const note = (feature: Decision['feature'], text: string, pointer: string) => decisions.push(decision(feature, 'native', `stream ${s.id}: ${text}`, pointer));
  const pool = s.pool;
  const name = streamName(model, s);
  const tls = s.protocol === 'tls' ? ` ssl crt ${haproxyArg(model.tls!.bundle)}` : '';
  const balance = balanceOf(pool);
  note('streams', `listen ${name} in mode tcp on port ${s.port}${tls ? ', TLS terminated with tls.bundle (ssl crt), plain TCP to the servers' : ''}; timeout client and server ${formatDuration(s.idleTimeout)} (idleTimeout); balance ${balance}`, s.pointer);
  const allow = s.allowFrom ? allowList(s.allowFrom, 'stream_allowed', '') : null;
  if (s.allowFrom) note('allowFrom', 'tcp-request connection reject for any other source: the connection is closed before a server is chosen', `${s.pointer}/allowFrom`);
  const perClient = s.connectionsPerClient === null ? null : { table: perClientName(model, s), limit: s.connectionsPerClient };
  if (perClient) note('connectionLimits', `a stick table counts each client address's open connections (conn_cur); the one beyond ${perClient.limit} is closed at once (tcp-request connection reject)`, `${s.pointer}/connectionsPerClient`);
  if (s.proxyProtocol) note('proxyProtocol', 'send-proxy-v2 on every server: each connection starts with a PROXY v2 header naming the client', `${s.pointer}/proxyProtocol`);
  const sticky = pool.sticky?.by === 'source-ip' ? pool.sticky : null;
  if (sticky && pool.balance === 'least-connections') decisions.push(hashedNotLeastConn(pool, `stream ${s.id}: `));
  if (sticky) note('stickySourceIp', `stick table on src (expire ${formatDuration(sticky.ttl)}), the same server for a returning client address; a new one placed by a consistent hash of its address (balance source), which gives it back its server after a reload empties the table`, sticky.pointer);
  for (const m of pool.members) {
    // Without timeout queue, HAProxy bounds the wait in the queue by timeout connect.
    if (m.maxConnections !== null) note('serverMaxConnections', `server maxconn ${m.maxConnections}: beyond it a connection to server "${m.id}" waits in the queue for ${formatDuration(pool.timeouts.connect)} at most (timeout connect, which bounds the queue here), then is closed`, `${serverPointer(m)}/maxConnections`);
  }
  const hc = pool.healthCheck;
  if (hc) note('activeHealthCheck', hc.type === 'tcp' ? `option tcp-check: a connection to ${hc.port ?? "each server's port"} that opens` : `option httpchk GET ${hc.path}${hc.port ? ` on port ${hc.port}` : ''}, expect status ${statusText(hc.expectStatus)}`, hc.pointer);
  return {
    name,
    comment: `stream ${s.id}: ${s.protocol} port ${s.port} to pool ${pool.id}`,
    binds: binds(model, s.port, tls),
    allowFrom: allow,
    perClient,
    balance,
    hashConsistent: hashesSource(pool),
    stickTable: sticky ? `type ipv6 size 1m expire ${formatDuration(sticky.ttl)}` : null,
    check: hc ? checkView(model, pool) : null,
    timeouts: [
      { name: 'connect', value: formatDuration(pool.timeouts.connect) },
      { name: 'client', value: formatDuration(s.idleTimeout) },
      { name: 'server', value: formatDuration(s.idleTimeout) },
    ],
    defaultServer: defaultServer(pool),
    servers: pool.members.map((m) => ({ name: haproxyArg(m.id), host: m.family === 'ipv6' ? `[${haproxyArg(m.address)}]` : haproxyArg(m.address), port: m.port, params: serverParams(m, s.proxyProtocol) })),
  };
}

const statusText = (s: { min: number; max: number }) => (s.min === s.max ? `${s.min}` : `${s.min}-${s.max}`);

function checkView(model: Model, pool: Pool): StreamView['check'] {
  const hc = pool.healthCheck!;
  if (hc.type === 'tcp') return { http: null, timeout: formatDuration(hc.timeout) };
  return { http: { path: haproxyArg(hc.path), host: haproxyFmt(hc.host.name), expect: statusText(hc.expectStatus) }, timeout: formatDuration(hc.timeout) };
}

/** As an HTTP backend's: active checks when the pool has one, else a connect check that returns a server taken out by passive ejection. */
function defaultServer(pool: Pool): string {
  const hc = pool.healthCheck;
  const observe = `observe layer4 error-limit ${pool.passive.maxFails} on-error mark-down`;
  if (!hc) return `check inter 2s downinter ${formatDuration(pool.passive.failTimeout)} rise 1 ${observe}`;
  return `check inter ${formatDuration(hc.interval)} rise ${hc.rise} fall ${hc.fall}${hc.port ? ` port ${hc.port}` : ''} ${observe}`;
}

function serverParams(m: Server, proxy: boolean): string {
  return [
    m.weight !== 1 ? `weight ${m.weight}` : '',
    m.maxConnections !== null ? `maxconn ${m.maxConnections}` : '',
    m.backup ? 'backup' : '',
    proxy ? 'send-proxy-v2' : '',
  ].filter(Boolean).join(' ');
}
