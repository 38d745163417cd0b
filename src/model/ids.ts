import { sortedKeys } from '../diagnostics.js';

/**
 * A map's ids in code-unit order and each id's place in that order. Rules and normalise resolve
 * every pool member (100,000 in a large topology) through it: a Map lookup by the member's name
 * is several times cheaper than a property lookup on the parsed mapping, and the place indexes
 * plain arrays (a used flag, the model's servers) instead of more Sets and Maps of names.
 */
export type Ids = { readonly ids: readonly string[]; readonly place: ReadonlyMap<string, number> };

const cache = new WeakMap<object, Ids>();

export function idsOf(map: object): Ids {
  let found = cache.get(map);
  if (!found) {
    const ids = sortedKeys(map);
    const place = new Map<string, number>();
    for (let i = 0; i < ids.length; i++) place.set(ids[i]!, i);
    cache.set(map, (found = { ids, place }));
  }
  return found;
}
