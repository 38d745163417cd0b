/**
 * Which route's allowFrom guards each route. Express, ASP.NET and IIS route paths ignoring letter
 * case, so on such a backend /ADMIN/x is /admin/x: a route whose path falls under an allow-listed
 * one ignoring case (a nested route, or the same path in other letters) would escape the
 * allow-list. Such a route without an allowFrom of its own takes the nearest one's (fail closed);
 * one with its own keeps it. "/" is everything's prefix, the catch-all, and passes on nothing.
 */

/** For each route, the index of the route whose allowFrom it inherits, or -1 (its own, or none). */
export function inheritedAllowFrom(routes: readonly { readonly path: string; readonly allowFrom?: unknown }[]): number[] {
  const listed = new Map<string, number>();
  routes.forEach((r, i) => {
    const key = r.path.toLowerCase();
    if (r.allowFrom && r.path !== '/' && !listed.has(key)) listed.set(key, i);
  });
  return routes.map((r) => {
    if (r.allowFrom || listed.size === 0) return -1;
    // The path itself, then each shorter path prefix of it: a lookup per segment, whatever the number of routes.
    for (let key = r.path.toLowerCase(); key.length > 1; key = key.slice(0, key.lastIndexOf('/'))) {
      const from = listed.get(key);
      if (from !== undefined) return from;
    }
    return -1;
  });
}
