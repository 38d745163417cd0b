/**
 * Weights that follow load on the real HAProxy (test/e2e/checks-load-feedback.ts): agents answering
 * 10% and 100% shift new requests in that ratio, and an agent's drain stops them. The mutations
 * that make each check fail are in test/e2e/mutations.ts (without agent-check, without the scaled weights).
 */
import { describe, test } from 'node:test';
import { RATIO, drainStopsNewRequests, loadFeedbackPool, weightsFollowAgents } from './e2e/checks-load-feedback.js';
import { type Stack, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

async function run<T>(check: (s: Stack) => Promise<T>): Promise<T> {
  const s = await startStack('haproxy', { topology: await loadFeedbackPool() });
  try {
    return await check(s);
  } finally {
    await s.stop();
  }
}

describe('e2e haproxy: weights that follow load (loadFeedback, agent-check)', { skip: requireTool('haproxy') ?? false }, () => {
  test(`agents answering ${RATIO.low}% and ${RATIO.high}%: ${RATIO.requests} new requests split ${RATIO.low}:${RATIO.high} (± ${RATIO.tolerance})`, { timeout: 60_000 }, async (t) => {
    const r = await run(weightsFollowAgents);
    t.diagnostic(`requests ${JSON.stringify(r.counts)}, HAProxy's weights ${JSON.stringify(r.weights)}`);
  });
  test('an agent answering drain: its server takes no new request; ready brings it back', { timeout: 60_000 }, async (t) => {
    const r = await run(drainStopsNewRequests);
    t.diagnostic(`f1 ${r.drained}; requests during the drain ${JSON.stringify(r.during)}`);
  });
});
