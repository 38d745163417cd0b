/**
 * Check 5: failover. A killed backend costs no client request; a backend whose /health fails
 * leaves rotation within interval × fall (plus a margin) and comes back after rise checks (HAProxy),
 * or, nginx open source having no active check, stays in rotation (the documented gap).
 */
import assert from 'node:assert/strict';
import { type Reply, countIds, parallel, request } from './client.js';
import { idOf } from './expect.js';
import { sleep, until } from './proc.js';
import type { Stack } from './stack.js';
import { DOMAIN, HEALTH, ROUTES } from './topology.js';

/** Scheduling slack on a 2-core machine, on top of what the health-check settings allow. */
const MARGIN_MS = 1000;

const https = (s: Stack, path: string, from = '127.0.0.1') => request({ port: s.ports.https, path, from });

type Sent = { t: number; r: Reply | Error };

/** 4 clients sending quick requests over three pools until `stop()`; every answer is kept. */
function traffic(s: Stack): { replies: Sent[]; stop: () => Promise<unknown> } {
  const paths = [ROUTES.rr, ROUTES.lc, ROUTES.sticky];
  const replies: Sent[] = [];
  let stopped = false;
  const client = async (c: number) => {
    for (let i = 0; !stopped; i++) {
      const r = await https(s, `${paths[i % paths.length]}?c=${c}&i=${i}`, `127.0.0.${1 + c}`).catch((e: Error) => e);
      replies.push({ t: Date.now(), r });
    }
  };
  const running = parallel(4, client);
  return { replies, stop: () => ((stopped = true), running) };
}

const HELD = `${ROUTES.sticky}/held`;

/** Requests the victim is busy with when it dies (it is client 127.0.0.1's sticky server): they must be retried elsewhere. */
async function holdOn(s: Stack, victimId: string): Promise<Promise<Sent[]>> {
  const held = parallel(3, (i) => https(s, `${HELD}?hold=400&i=${i}`).then((r) => ({ t: Date.now(), r }), (e: Error) => ({ t: Date.now(), r: e })));
  await until(`3 held requests on ${victimId}`, 2000, async () => (s.backend(victimId).active(HELD) >= 3 ? true : undefined), 10);
  return held;
}

const describeFailure = ({ r }: Sent) => (r instanceof Error ? r.message : `${r.status} ${r.body.slice(0, 80)}`);

/**
 * 5a: kill the backend that client 127.0.0.1 sticks to, while 4 clients keep sending and 3 slow
 * requests are being answered by it (as when a process crashes mid-request): no request fails.
 */
export async function killWhileTrafficFlows(s: Stack): Promise<{ victim: string; requests: number; slowestMs: number }> {
  const victim = s.backend(idOf(await https(s, ROUTES.sticky), 'sticky probe'));
  const flow = traffic(s);
  await sleep(300);
  const held = await holdOn(s, victim.id);
  const killedAt = Date.now();
  victim.kill();
  await sleep(1500);
  await flow.stop();
  const replies = [...flow.replies, ...(await held)];
  await victim.start();
  const failed = replies.filter(({ r }) => r instanceof Error || r.status !== 200);
  const before = flow.replies.filter(({ t, r }) => t < killedAt && !(r instanceof Error) && r.body.includes(`"id":"${victim.id}"`));
  assert.ok(before.length > 0, `${victim.id} had traffic before it was killed`);
  assert.equal(failed.length, 0, `${failed.length} of ${replies.length} requests failed: ${failed.slice(0, 3).map(describeFailure).join(' | ')}`);
  const slowestMs = Math.max(...replies.map(({ r }) => (r instanceof Error ? 0 : r.ms)));
  return { victim: victim.id, requests: replies.length, slowestMs };
}

/** Ids answering 6 parallel requests on the round-robin route. */
async function sample(s: Stack): Promise<string[]> {
  return parallel(6, (i) => https(s, `${ROUTES.rr}?probe=${i}`).then((r) => idOf(r, 'probe')));
}

/** Poll until `want(ids)` holds for `steady` samples in a row; the time of the first of them, from t0. */
async function settles(s: Stack, t0: number, timeoutMs: number, want: (ids: string[]) => boolean, steady = 4): Promise<number> {
  let since: number | null = null;
  let streak = 0;
  for (;;) {
    const at = Date.now();
    const ids = await sample(s);
    if (want(ids)) {
      since ??= at;
      if (++streak >= steady) return since - t0;
    } else [since, streak] = [null, 0];
    assert.ok(Date.now() - t0 < timeoutMs, `not settled after ${timeoutMs} ms: last sample ${JSON.stringify(countIds(ids))}`);
    await sleep(100);
  }
}

export const DOWN_WITHIN_MS = HEALTH.intervalMs * HEALTH.fall + MARGIN_MS;
export const UP_WITHIN_MS = HEALTH.intervalMs * HEALTH.rise + MARGIN_MS;

/** 5b (HAProxy): /health 503 takes b2 out within interval × fall + margin; 200 brings it back after rise checks. */
export async function healthCheckRotation(s: Stack): Promise<{ downMs: number; upMs: number }> {
  const b2 = s.backend('b2');
  // An application that checks Host (and HTTP/1.1 requires one) must be able to answer the check.
  // A proxy starts its servers barely up: the count of failures to fall is full only after rise + fall good checks.
  await until(`${HEALTH.rise + HEALTH.fall} health checks on b2`, 5000, async () => (b2.healthChecks >= HEALTH.rise + HEALTH.fall ? true : undefined), 50);
  assert.deepEqual(b2.lastHealthCheck, { version: '1.1', host: DOMAIN }, 'the health check is HTTP/1.1 with the first domain as Host');
  b2.health = 503;
  const downMs = await settles(s, Date.now(), DOWN_WITHIN_MS + 2000, (ids) => !ids.includes('b2'));
  assert.ok(downMs <= DOWN_WITHIN_MS, `b2 left rotation after ${downMs} ms; interval × fall + margin = ${DOWN_WITHIN_MS} ms`);
  // fall consecutive failures take at least (fall - 1) intervals after the first one.
  assert.ok(downMs >= HEALTH.intervalMs * (HEALTH.fall - 1) - 300, `b2 left after ${downMs} ms: sooner than ${HEALTH.fall} failed checks allow`);
  b2.health = 200;
  const upMs = await settles(s, Date.now(), UP_WITHIN_MS + 2000, (ids) => ids.includes('b2'), 1);
  assert.ok(upMs <= UP_WITHIN_MS, `b2 came back after ${upMs} ms; interval × rise + margin = ${UP_WITHIN_MS} ms`);
  assert.ok(upMs >= HEALTH.intervalMs * (HEALTH.rise - 1) - 300, `b2 came back after ${upMs} ms: sooner than ${HEALTH.rise} good checks allow`);
  return { downMs, upMs };
}

/**
 * 5b (nginx): the documented gap. nginx open source has no active health check: a backend whose
 * /health answers 503 still gets requests after interval × fall + margin. This asserts the gap as
 * it is, so the day the renderer closes it (or the config changes) this test says so.
 */
export async function nginxHealthGap(s: Stack): Promise<void> {
  assert.match(s.config, /no active health checks/, 'the rendered nginx.conf states the gap in a comment');
  const b2 = s.backend('b2');
  // nginx sends no health check at all.
  assert.equal(b2.healthChecks, 0, 'no request to /health came from nginx');
  b2.health = 503;
  try {
    await sleep(DOWN_WITHIN_MS);
    const ids = (await sample(s)).concat(await sample(s));
    assert.ok(ids.includes('b2'), `b2 (health 503) still in rotation: ${JSON.stringify(countIds(ids))}`);
  } finally {
    b2.health = 200;
  }
}
