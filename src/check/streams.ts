import { type Diagnostic, didYouMean, error, segmentsToPointer as ptr } from '../diagnostics.js';
import { DEFAULTS } from '../model/defaults.js';
import { idsOf } from '../model/ids.js';
import type { Topology } from '../model/topology.js';

/**
 * The checks of L4 services (streams) and of health-check types, on a topology the schema
 * accepted: what the schema cannot say about a stream's pool, protocol and port.
 */
type Check = (t: Topology) => Diagnostic[];

const streamEntries = (t: Topology) => (t.streams ? idsOf(t.streams) : { ids: [] as string[], values: [] as NonNullable<Topology['streams']>[string][] });

const poolNamed: Check = (t) => {
  const out: Diagnostic[] = [];
  const { ids, values } = streamEntries(t);
  ids.forEach((id, i) => {
    const name = values[i]!.pool;
    if (Object.hasOwn(t.pools, name)) return;
    const close = didYouMean(name, idsOf(t.pools).ids as string[]);
    out.push(error(ptr(['streams', id, 'pool']), `no pool named "${name}"`, close ? { suggestion: `did you mean "${close}"?` } : {}));
  });
  return out;
};

/** An HTTP check needs a path; a TCP check has no use for the HTTP fields. */
const healthCheckType: Check = (t) => {
  const out: Diagnostic[] = [];
  const pools = idsOf(t.pools);
  pools.ids.forEach((id, i) => {
    const hc = pools.values[i]!.healthCheck;
    if (!hc) return;
    if ((hc.type ?? DEFAULTS.pools.healthCheck.type) === 'http') {
      if (hc.path === undefined) out.push(error(ptr(['pools', id, 'healthCheck']), 'missing required field "path": an HTTP check (type: http, the default) requests a path', { suggestion: 'add a path, or type: tcp for a connect check', atKey: true }));
      return;
    }
    for (const field of ['path', 'host', 'expectStatus'] as const) {
      if (hc[field] !== undefined) out.push(error(ptr(['pools', id, 'healthCheck', field]), `"${field}" applies only to healthCheck.type: http (a tcp check only opens a connection)`));
    }
  });
  return out;
};

const streamSettings: Check = (t) => {
  const out: Diagnostic[] = [];
  const { ids, values } = streamEntries(t);
  const cookieSaid = new Set<string>();
  ids.forEach((id, i) => {
    const s = values[i]!;
    const protocol = s.protocol ?? DEFAULTS.streams.protocol;
    if (protocol === 'tls' && !t.tls) out.push(error(ptr(['streams', id, 'protocol']), 'a tls stream terminates TLS with the tls block\'s certificate: add a tls block, or use protocol: tcp to pass TLS through to the servers'));
    if (protocol === 'udp' && s.proxyProtocol === true) out.push(error(ptr(['streams', id, 'proxyProtocol']), 'the PROXY protocol is sent at the start of a TCP connection: a udp stream has none (the NLB and nginx cannot send it over UDP here)'));
    const pool = Object.hasOwn(t.pools, s.pool) ? t.pools[s.pool]! : undefined;
    if (pool?.sticky?.by === 'cookie' && !cookieSaid.has(s.pool)) {
      cookieSaid.add(s.pool);
      out.push(error(ptr(['pools', s.pool, 'sticky', 'by']), `cookie stickiness cannot apply to stream "${id}", which uses pool "${s.pool}": an L4 service carries no HTTP, so no cookie`, { suggestion: 'use sticky.by: source-ip, or give the stream a pool of its own' }));
    }
  });
  return out;
};

/** Every port the topology listens on, with its place, as listenerConsistency numbers them. */
function httpPorts(t: Topology): [string, number][] {
  const ports: [string, number][] = [['/listen/http', t.listen?.http ?? DEFAULTS.listen.http]];
  if (t.tls) ports.push(['/listen/https', t.listen?.https ?? DEFAULTS.listen.https]);
  if (t.stats) ports.push(['/stats/port', t.stats.port]);
  if (t.monitoring?.metrics) ports.push(['/monitoring/metrics/port', t.monitoring.metrics.port]);
  return ports;
}

const dotted = (pointer: string) => pointer.slice(1).replace(/\//g, '.');

/**
 * A stream's port is its own: not an HTTP, HTTPS, stats or metrics port, not another stream's. One
 * exception: a udp and a tcp stream of the same pool may share a port (DNS on 53, say), which the
 * NLB serves as one TCP_UDP listener.
 */
const streamPorts: Check = (t) => {
  const out: Diagnostic[] = [];
  const http = httpPorts(t);
  const { ids, values } = streamEntries(t);
  const seen: { id: string; port: number; protocol: string; pool: string }[] = [];
  ids.forEach((id, i) => {
    const s = values[i]!;
    const at = ptr(['streams', id, 'port']);
    const protocol = s.protocol ?? DEFAULTS.streams.protocol;
    const clash = http.find(([, p]) => p === s.port);
    if (clash) {
      out.push(error(at, `port ${s.port} is already used by ${dotted(clash[0])}`));
      return;
    }
    const other = seen.find((x) => x.port === s.port);
    seen.push({ id, port: s.port, protocol, pool: s.pool });
    if (!other) return;
    const pair = [other.protocol, protocol].sort().join('+');
    const shared = pair === 'tcp+udp' && other.pool === s.pool && !seen.slice(0, -1).some((x) => x !== other && x.port === s.port);
    if (!shared) out.push(error(at, `port ${s.port} is already used by streams.${other.id}${pair === 'tcp+udp' ? ' (a tcp and a udp stream may share a port only when they send to the same pool)' : ''}`));
  });
  return out;
};

export const STREAM_CHECKS: readonly Check[] = [poolNamed, healthCheckType, streamSettings, streamPorts];

/** Pools some stream sends to (by id), for the unused-pool warning. */
export function streamPools(t: Topology): Set<string> {
  return new Set(Object.values(t.streams ?? {}).map((s) => s.pool));
}
