/**
 * Check 6c on both proxies (test/e2e/checks-allowcase.ts), and proof that it fails when the
 * case-insensitive match of the allow-listed routes is taken out of the rendered configuration.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allowCaseTopology, allowFromAnyCase } from './e2e/checks-allowcase.js';
import { edit } from './e2e/mutations.js';
import { type ProxyName, startStack } from './e2e/stack.js';
import { requireTool } from './helpers/validators.js';

async function run(proxy: ProxyName, mutate?: (c: string) => string): Promise<void> {
  const s = await startStack(proxy, { topology: allowCaseTopology, ...(mutate ? { mutate } : {}) });
  try {
    await allowFromAnyCase(s);
  } finally {
    await s.stop();
  }
}

/** Each proxy's case-insensitive match, as lbgen renders it, made case-sensitive. */
const CASE_SENSITIVE = {
  nginx: edit(/location ~\* /, 'location ~ '),
  haproxy: edit(/ -i -m (str|beg) /, ' -m $1 '),
} as const;

/** The nested route without the allow-list it inherits: its allow/deny lines (nginx), its deny rule (HAProxy). */
const NOT_INHERITED = {
  nginx: edit(/(# routes\[\d+\]: \/private\/nested -> [^\n]*\n\s*location [^\n]*\n)(?:\s*(?:allow|deny) [^\n]*\n)+/, '$1'),
  haproxy: (c: string) => {
    const index = /# routes\[(\d+)\]: \/private\/nested -> /.exec(c)?.[1];
    if (index === undefined) throw new Error('no /private/nested route in the rendered configuration');
    return edit(new RegExp(`^\\s*http-request deny deny_status 403 if route${index} .*\\n`, 'm'), '')(c);
  },
} as const;

for (const proxy of ['nginx', 'haproxy'] as const) {
  describe(`e2e ${proxy}: allowFrom in any letter case`, { skip: requireTool(proxy) ?? false }, () => {
    test('6c another case of an allow-listed path (with encoded forms too) is 403 outside the list and the route inside it; a nested route inherits the list', { timeout: 30_000 }, () => run(proxy));
    test('with the allow-listed paths matched case-sensitively, the check fails', { timeout: 30_000 }, async () => {
      await assert.rejects(run(proxy, CASE_SENSITIVE[proxy]), /\/PRIVATE from 127\.0\.0\.3: 200/);
    });
    test('without the allow-list the nested route inherits, the check fails', { timeout: 30_000 }, async () => {
      await assert.rejects(run(proxy, NOT_INHERITED[proxy]), /\/private\/nested from 127\.0\.0\.3: 200 \(c1\)/);
    });
  });
}
