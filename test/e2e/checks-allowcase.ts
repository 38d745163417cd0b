/**
 * Check 6c: allowFrom in any letter case, and inherited by a nested route. A backend that routes
 * ignoring case (Express, ASP.NET, IIS) serves /PRIVATE as /private: from a client outside the
 * allow-list every case of an allow-listed path gets 403, alone or with the encoded forms check 6
 * sends; an allowed client is served by the allow-listed route, as it is for the encoded forms.
 * A route under the allow-listed path without an allowFrom of its own inherits it. Routes without
 * an allowFrom still route case-sensitively.
 */
import assert from 'node:assert/strict';
import { request } from './client.js';
import { idOf } from './expect.js';
import type { Stack } from './stack.js';
import { ALLOWED, CAPACITY, ROUTES } from './topology.js';

/**
 * The stack's extra routes, all to the one-server capacity pool (its backend answers with id c1,
 * the balanced pools' never do): under /private without an allowFrom, an open route whose path
 * only begins like it, and an open route with capitals.
 */
export const EXTRA = { nested: `${ROUTES.private}/nested`, sibling: `${ROUTES.private}-open`, capitals: '/Open' } as const;

export function allowCaseTopology(doc: Record<string, unknown>): void {
  const routes = doc.routes as Record<string, unknown>[];
  routes.push(...Object.values(EXTRA).map((path) => ({ path, pool: CAPACITY.pool })));
}

const OUTSIDE = ['127.0.0.3', '127.1.2.3'];
/** served: 200 from the route's pool; `c1`: 200 from the capacity pool; `other`: 200 not from it; 403; or 403-or-400 for a dot segment. */
type Want = 403 | '403|400' | 'served' | 'c1' | 'other';

const CASES: readonly (readonly [readonly string[], string, Want])[] = [
  // Other letter cases of the allow-listed path, plain and with the encoded forms (%50 is P, %2F is /).
  ...['/PRIVATE', '/Private', '/pRiVaTe/x?y=1', '/PRIVATE/', '/%50RIVATE', '/%70rIVATE%2Fx', '/pRiVaTe%2F'].flatMap((p) => [
    [OUTSIDE, p, 403] as const,
    [ALLOWED, p, 'served'] as const,
  ]),
  // A dot segment that only decoding reveals, into another case of the path.
  [OUTSIDE, `${ROUTES.rr}%2F..%2FPRIVATE`, '403|400'],
  [OUTSIDE, `${ROUTES.rr}/%2E%2E%2FpRiVaTe%2Fx`, '403|400'],
  // The nested route inherits the allow-list, in any case; an allowed client reaches it in any case.
  ...[EXTRA.nested, `${EXTRA.nested}/x`, '/PRIVATE/NESTED', '/private/Nested/x', '/Private%2FNESTED'].flatMap((p) => [
    [OUTSIDE, p, 403] as const,
    [ALLOWED, p, 'c1'] as const,
  ]),
  // Paths that only begin like it are not under it, in any case; routes without allowFrom keep their case.
  [OUTSIDE, `${ROUTES.private}x`, 'other'],
  [OUTSIDE, '/PRIVATEX', 'other'],
  [OUTSIDE, EXTRA.sibling, 'c1'],
  [OUTSIDE, `${EXTRA.sibling}/x`, 'c1'],
  [OUTSIDE, '/PRIVATE-OPEN', 'other'],
  [OUTSIDE, EXTRA.capitals, 'c1'],
  [OUTSIDE, EXTRA.capitals.toLowerCase(), 'other'],
];

export async function allowFromAnyCase(s: Stack): Promise<void> {
  const wrong: string[] = [];
  for (const [clients, path, want] of CASES) {
    for (const from of clients) {
      const r = await request({ port: s.ports.https, path, from });
      const id = r.status === 200 ? idOf(r, path) : null;
      const ok = want === 403 ? r.status === 403
        : want === '403|400' ? r.status === 403 || r.status === 400
        : want === 'served' ? id !== null
        : want === 'c1' ? id === CAPACITY.id
        : id !== null && id !== CAPACITY.id;
      if (!ok) wrong.push(`${path} from ${from}: ${r.status}${id ? ` (${id})` : ''}, expected ${want}`);
    }
  }
  assert.deepEqual(wrong, [], 'allowFrom in any letter case');
}
