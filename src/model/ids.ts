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

type Doc = { readonly pools?: unknown; readonly servers?: unknown };
const isMap = (v: unknown): v is Readonly<Record<string, unknown>> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Each pool's members (pools in idsOf order) as places in idsOf(servers): -1 for a name that is no
 * server, -2 for an item that is not a name. Any document, valid or refused by the schema (a pool
 * that is not a mapping, or whose servers are not a list, has none): the reference check reports
 * its -1s, and on a valid topology the rules and normalise take the same places, so the 100,000
 * names of a large topology are looked up once (each first lookup of a name is a cache miss or
 * two). Memoised per document.
 */
export function membersOf(doc: Topology | Doc): readonly (readonly number[])[] {
  let found = members.get(doc);
  if (!found) {
    const servers = idsOf(isMap(doc.servers) ? doc.servers : {}).place;
    const pools = isMap(doc.pools) ? idsOf(doc.pools).values : [];
    found = pools.map((p) => {
      const list = isMap(p) ? p.servers : undefined;
      return Array.isArray(list) ? list.map((name: unknown) => (typeof name === 'string' ? servers.get(name) ?? -1 : -2)) : [];
    });
    members.set(doc, found);
  }
  return found;
}
