import type { Model, Pool, Route } from '../../model/model.js';

/** Upstream and zone names: the application's name, then the pool's id (both limited by the schema). */
export function upstreamName(model: Model, pool: Pool): string {
  // Each pool's name is written by its upstream and by two locations per route: make it once.
  let name = upstreamNames.get(pool);
  if (name === undefined) upstreamNames.set(pool, (name = `${model.name}_${pool.id}`));
  return name;
}
const upstreamNames = new WeakMap<Pool, string>();

/** A rate-limited route's limit_req zone. */
export function zoneName(model: Model, r: Route): string {
  return `${model.name}_route${r.serial}`;
}
