/**
 * The real HAProxy judges every golden scenario's haproxy.cfg (haproxy -c, no warning accepted),
 * with the stats password variable set (to a value full of config syntax); and refuses a stats
 * config whose variable is unset. (An empty one passes -c: the page then answers 403, see the template.)
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { caseNames, casesDir, readCase, renderCase } from './helpers/cases.js';
import { haproxyCheck, pathsOf } from './helpers/validators.js';

for (const name of caseNames()) {
  const out = renderCase(name, ['haproxy']);
  // A case whose HAProxy render is refused on purpose (a udp stream) keeps that error as its golden.
  if (out.invalid || existsSync(join(casesDir, name, 'expected', 'haproxy.errors.txt'))) continue;
  test(`haproxy -c accepts ${name}`, (t) => {
    const r = out.perTarget.get('haproxy');
    assert.ok(r && !('error' in r), `case ${name} renders for haproxy`);
    const stats = out.model!.stats;
    const verdict = haproxyCheck(r.files[0]!.text, pathsOf(out.model!), stats ? { [stats.passwordEnv]: 'pass word"$x' } : {});
    if (verdict.skipped) return t.skip(verdict.skipped);
    assert.ok(verdict.ok, verdict.output);
  });
}

test('haproxy -c refuses the stats page when its password variable is unset, naming it', (t) => {
  const out = renderCase('haproxy-admin', ['haproxy']);
  const r = out.perTarget.get('haproxy');
  assert.ok(r && !('error' in r));
  assert.ok(readCase('haproxy-admin').includes('passwordEnv: OPS_STATS_PW'));
  const verdict = haproxyCheck(r.files[0]!.text, pathsOf(out.model!), {});
  if (verdict.skipped) return t.skip(verdict.skipped);
  assert.equal(verdict.ok, false);
  assert.match(verdict.output, /\[ALERT\].*OPS_STATS_PW is not set/);
});
