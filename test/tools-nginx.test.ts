/** The real nginx judges every golden scenario's nginx.conf (nginx -t, no warning accepted). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseNames, renderCase } from './helpers/cases.js';
import { nginxCheck, pathsOf } from './helpers/validators.js';

for (const name of caseNames()) {
  const out = renderCase(name, ['nginx']);
  if (out.invalid) continue;
  test(`nginx -t accepts ${name}`, (t) => {
    const r = out.perTarget.get('nginx');
    assert.ok(r && !('error' in r), `case ${name} renders for nginx`);
    const verdict = nginxCheck(r.files[0]!.text, pathsOf(out.model!));
    if (verdict.skipped) return t.skip(verdict.skipped);
    assert.ok(verdict.ok, verdict.output);
  });
}
