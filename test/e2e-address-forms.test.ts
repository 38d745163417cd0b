/**
 * Check 6b on both proxies (see test/e2e/address-forms.ts), and proof that it fails when HAProxy's
 * refusal of the embedded IPv4 forms is taken out of its allowFrom rule.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SOURCE_FROM_HEADER, allowFromAddressForms } from './e2e/address-forms.js';
import { type ProxyName, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

async function run(proxy: ProxyName, mutate: (c: string) => string): Promise<void> {
  const s = await startStack(proxy, { mutate });
  try {
    await allowFromAddressForms(s);
  } finally {
    await s.stop();
  }
}

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: allowFrom by address form`, { skip: requireTool(proxy) ?? false }, () => {
    test('6b an IPv4-mapped client is the IPv4 one; 6to4 and IPv4-compatible forms of an allowed address get 403', { timeout: 30_000 }, () => run(proxy, SOURCE_FROM_HEADER[proxy]));
  });
}

describe('e2e haproxy: allowFrom by address form fails without the embedded-IPv4 refusal', { skip: requireTool('haproxy') ?? false }, () => {
  test('without { src 2002::/16 ::/96 }', { timeout: 30_000 }, async () => {
    const unguarded = (c: string) => {
      const out = c.replace(/ \|\| route(\d+) \{ src 2002::\/16 ::\/96 \}/g, '');
      if (out === c) throw new Error('mutation matches nothing in the rendered configuration');
      return out;
    };
    await assert.rejects(run('haproxy', (c) => unguarded(SOURCE_FROM_HEADER.haproxy(c))), /2002:7f00:1::: 200, expected 403/);
  });
});
