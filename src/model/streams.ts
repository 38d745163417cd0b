import { segmentsToPointer as ptr } from '../diagnostics.js';
import { DEFAULTS } from './defaults.js';
import { parseDuration } from './duration.js';
import { idsOf } from './ids.js';
import type { Cidr, Pool, Stream } from './model.js';
import type { Topology } from './topology.js';

/** topology.streams → Stream[] sorted by id, each pool resolved (the reference checks ran before). */
export function streams(t: Topology, pools: readonly Pool[], place: ReadonlyMap<string, number>, cidrs: (list: readonly string[], pointer: string) => Cidr[]): Stream[] {
  if (!t.streams) return [];
  const { ids, values } = idsOf(t.streams);
  return ids.map((id, i): Stream => {
    const s = values[i]!;
    const pointer = ptr(['streams', id]);
    return {
      id,
      pointer,
      port: s.port,
      protocol: s.protocol ?? DEFAULTS.streams.protocol,
      pool: pools[place.get(s.pool)!]!,
      idleTimeout: parseDuration(s.idleTimeout ?? DEFAULTS.streams.idleTimeout),
      allowFrom: s.allowFrom ? cidrs(s.allowFrom, `${pointer}/allowFrom`) : null,
      proxyProtocol: s.proxyProtocol ?? DEFAULTS.streams.proxyProtocol,
      connectionsPerClient: s.connectionsPerClient ?? null,
    };
  });
}
