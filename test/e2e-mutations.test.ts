/**
 * The end-to-end checks can fail: for each mechanism broken on purpose in a copy of lbgen's output,
 * the check that covers it must report the difference.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HAPROXY_MUTATIONS, type Mutation, NGINX_MUTATIONS } from './e2e/mutations.js';
import { startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

/** Run the check on the mutated stack until it fails, at most `tries` times; true when it failed. */
async function detects(m: Mutation): Promise<string | null> {
  const s = await startStack(m.proxy, { mutate: m.mutate, ...(m.topology ? { topology: await m.topology() } : {}) });
  try {
    for (let i = 0; i < (m.tries ?? 1); i++) {
      try {
        await m.check(s);
      } catch (e) {
        return (e as Error).message.split('\n')[0]!;
      }
    }
    return null;
  } finally {
    await s.stop();
  }
}

function suite(proxy: 'nginx' | 'haproxy', mutations: readonly Mutation[]): void {
  describe(`e2e ${proxy}: a broken mechanism fails its check`, { skip: requireTool(proxy) ?? false }, () => {
    for (const m of mutations) {
      test(`without ${m.breaks}`, { timeout: 60_000 }, async (t) => {
        const failure = await detects(m);
        assert.ok(failure, `the check still passed with ${m.breaks} broken`);
        t.diagnostic(`detected: ${failure}`);
      });
    }
  });
}

suite('nginx', NGINX_MUTATIONS);
suite('haproxy', HAPROXY_MUTATIONS);
