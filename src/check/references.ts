import { type Diagnostic, didYouMean, error, segmentsToPointer as ptr, sortedKeys } from '../diagnostics.js';
import { inheritedAllowFrom } from '../model/allowlists.js';
import { idsOf, membersOf } from '../model/ids.js';

/**
 * The reference checks: a route names a pool (and its canary another), a pool names servers, a path is routed once. They
 * run on any document, valid or refused by the schema, wherever its shape still allows them: one
 * run then reports a mistyped pool name together with a mistyped balance, and a valid topology
 * goes through the same code. They walk topologies of 100,000 servers: plain loops that allocate
 * only for a diagnostic.
 */
export function referenceChecks(doc: unknown): Diagnostic[] {
  const d = isMap(doc) ? doc : {};
  const servers = isMap(d.servers) ? d.servers : {};
  const pools = isMap(d.pools) ? d.pools : null;
  const out = poolToMissingServer(d, pools ?? {}, servers);
  // The top-level routes, then each site's: the same checks within each list, each at its own place.
  const lists: [(string | number)[], unknown][] = [[['routes'], d.routes]];
  if (isMap(d.sites)) for (const id of sortedKeys(d.sites)) lists.push([['sites', id, 'routes'], isMap(d.sites[id]) ? (d.sites[id] as Map_).routes : undefined]);
  for (const [at, list] of lists) {
    const routes = Array.isArray(list) ? (list as unknown[]) : [];
    out.push(...routeToMissingPool(routes, pools, at), ...routePaths(routes, at));
  }
  return out;
}

type Map_ = Record<string, unknown>;
const isMap = (v: unknown): v is Map_ => v !== null && typeof v === 'object' && !Array.isArray(v);

const mean = (name: string, candidates: string[]) => {
  const close = didYouMean(name, candidates);
  return close ? { suggestion: `did you mean "${close}"?` } : {};
};

function poolToMissingServer(doc: Map_, pools: Map_, servers: Map_): Diagnostic[] {
  const out: Diagnostic[] = [];
  // The places that the rules and normalise use too (membersOf): one lookup of each name.
  const ids = sortedKeys(pools);
  const members = membersOf(doc);
  for (let i = 0; i < ids.length; i++) {
    const places = members[i]!;
    for (let j = 0; j < places.length; j++) {
      if (places[j] !== -1) continue;
      const s = ((pools[ids[i]!] as Map_).servers as string[])[j]!;
      out.push(error(ptr(['pools', ids[i]!, 'servers', j]), `no server named "${s}"`, mean(s, sortedKeys(servers))));
    }
  }
  return out;
}

/** `pools` null: the document has no map of pools (the schema says so), so no name can be checked. */
function routeToMissingPool(routes: unknown[], pools: Map_ | null, at: (string | number)[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!pools) return out;
  // The Map of pool names that the rules and normalise use too (Object.hasOwn on the parsed mapping
  // would first internalise each name).
  const known = idsOf(pools).place;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    if (!isMap(r)) continue;
    if (typeof r.pool === 'string' && !known.has(r.pool)) {
      out.push(error(ptr([...at, i, 'pool']), `no pool named "${r.pool}"`, mean(r.pool, sortedKeys(pools))));
    }
    const canary = isMap(r.canary) ? r.canary.pool : undefined;
    if (typeof canary !== 'string') continue;
    if (!known.has(canary)) {
      out.push(error(ptr([...at, i, 'canary', 'pool']), `no pool named "${canary}"`, mean(canary, sortedKeys(pools))));
    } else if (canary === r.pool) {
      out.push(error(ptr([...at, i, 'canary', 'pool']), `the route's own pool "${canary}": a canary sends a share of clients to another pool`, { suggestion: 'name the pool of the new release' }));
    }
  }
  return out;
}

/**
 * Each path is routed once. And a route with an allowFrom (its own or inherited, see
 * allowlists.ts) matches its path ignoring letter case: two routes whose paths differ only in case
 * would match the same requests there, and the later one would never be reached. (If either has
 * an allowFrom, the other inherits it.)
 */
function routePaths(routes: unknown[], at: (string | number)[]): Diagnostic[] {
  const name = at.join('.');
  const exact = new Map<string, number>();
  const folded = new Map<string, number>();
  const out: Diagnostic[] = [];
  let inherits: number[] | null = null;
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    if (!isMap(r) || typeof r.path !== 'string') continue;
    const path = r.path;
    const same = exact.get(path);
    if (same !== undefined) {
      out.push(error(ptr([...at, i, 'path']), `the same path as ${name}[${same}] ("${path}"): each path may be routed once`));
      continue;
    }
    exact.set(path, i);
    const key = path.toLowerCase();
    const earlier = folded.get(key);
    if (earlier === undefined) {
      folded.set(key, i);
      continue;
    }
    const other = routes[earlier] as Map_;
    inherits ??= inheritedAllowFrom(routes.map((x) => (isMap(x) && typeof x.path === 'string' ? (x as { path: string }) : { path: '' })));
    if (!r.allowFrom && !other.allowFrom && inherits[i]! < 0) continue;
    out.push(error(ptr([...at, i, 'path']), `"${path}" differs from ${name}[${earlier}].path "${other.path as string}" only in letter case; routes with an allowFrom match their path ignoring case, so one of the two would never be reached`));
  }
  return out;
}
