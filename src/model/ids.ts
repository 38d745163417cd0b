import { sortedKeys } from '../diagnostics.js';
import type { Topology } from './topology.js';

/**
 * A map's ids in code-unit order, its values in that order, and each id's place. Rules and
 * normalise walk and resolve a large topology (100,000 servers) through it: each value is looked
 * up by id once, and a Map lookup by a member's name is several times cheaper than a property
 * lookup on the parsed mapping. Memoised per map, like sortedKeys.
 */
export type Ids<V> = { readonly ids: readonly string[]; readonly values: readonly V[]; readonly place: ReadonlyMap<string, number> };

const cache = new WeakMap<object, Ids<unknown>>();

export function idsOf<V>(map: Readonly<Record<string, V>>): Ids<V> {
  let found = cache.get(map) as Ids<V> | undefined;
  if (!found) {
    const ids = sortedKeys(map);
    const values = ids.map((id) => map[id]!);
    const place = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) place.set(ids[i]!, i);
    cache.set(map, (found = { ids, values, place }));
  }
  return found;
}

const members = new WeakMap<object, readonly (readonly number[])[]>();

/** Each pool's members (pools in idsOf order) as places in idsOf(t.servers); -1 for a name that is no server. */
export function membersOf(t: Topology): readonly (readonly number[])[] {
  let found = members.get(t);
  if (!found) {
    const servers = idsOf(t.servers).place;
    found = idsOf(t.pools).values.map((p) => p.servers.map((name) => servers.get(name) ?? -1));
    members.set(t, found);
  }
  return found;
}
