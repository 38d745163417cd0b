/**
 * limits.connectionsPerClient on a stack of its own (it would throttle the parallel requests the
 * other checks send from one address): a client at its limit is refused one more, another client
 * is not, and the first is served again once its requests end. nginx counts requests in progress
 * and answers 429; HAProxy counts open connections and closes the one beyond at once.
 */
import assert from 'node:assert/strict';
import { request } from './client.js';
import { idOf } from './expect.js';
import { until } from './proc.js';
import type { Stack } from './stack.js';
import { ROUTES } from './topology.js';

export const PER_CLIENT = 2;

/** The topology edit that sets the limit. */
export const perClientLimit = (doc: Record<string, unknown>): void => {
  doc.limits = { ...(doc.limits as object), connectionsPerClient: PER_CLIENT };
};

const HOLD_MS = 1500;

export async function perClientConnections(s: Stack): Promise<{ refused: string }> {
  const busy = '127.0.0.5';
  const active = () => s.backends.reduce((n, b) => n + b.active('/park'), 0);
  const held = Array.from({ length: PER_CLIENT }, (_, i) => request({ port: s.ports.https, path: `/park?hold=${HOLD_MS}&n=${i}`, from: busy }));
  // Awaited below; a failed check must not leave an unhandled rejection behind.
  for (const h of held) h.catch(() => undefined);
  await until(`${PER_CLIENT} held requests from ${busy} to reach the backends`, 2000, async () => (active() >= PER_CLIENT ? true : undefined), 10);
  const what = `request ${PER_CLIENT + 1} from ${busy} while ${PER_CLIENT} are in progress`;
  const over = await request({ port: s.ports.https, path: `${ROUTES.rr}?over=1`, from: busy })
    .then((reply) => ({ reply }), (error: NodeJS.ErrnoException) => ({ error }));
  // nginx counts requests in progress and answers 429; HAProxy counts connections and closes the one beyond.
  if ('reply' in over) assert.ok(s.proxy === 'nginx' && over.reply.status === 429, `${what}: ${over.reply.status} ${over.reply.body.slice(0, 120)}`);
  else if (s.proxy !== 'haproxy') throw over.error;
  else assert.match(over.error.code ?? over.error.message, /ECONNRESET|EPIPE|socket hang up/i, `${what}: closed at once`);
  const refused = 'reply' in over ? String(over.reply.status) : over.error.code ?? over.error.message;
  idOf(await request({ port: s.ports.https, path: `${ROUTES.rr}?other=1`, from: '127.0.0.6' }), 'another client meanwhile');
  for (const h of await Promise.all(held)) idOf(h, `a held request from ${busy}`);
  idOf(await request({ port: s.ports.https, path: `${ROUTES.rr}?after=1`, from: busy }), `${busy} once its requests ended`);
  return { refused };
}
