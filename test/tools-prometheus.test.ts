/** promtool judges every prometheus-rules.yaml the cases produce; the rules use metrics HAProxy really exports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseNames, renderCase } from './helpers/cases.js';
import { promtoolCheck } from './helpers/validators.js';

const withRules = caseNames()
  .map((name) => ({ name, file: renderCase(name).companions.find((f) => f.path === 'prometheus-rules.yaml') }))
  .filter((c) => c.file !== undefined);

test('some case produces alerting rules', () => assert.ok(withRules.length > 0));

for (const { name, file } of withRules) {
  test(`promtool check rules accepts ${name}`, (t) => {
    const v = promtoolCheck(file!.text);
    if (v.skipped) return t.skip(v.skipped);
    assert.ok(v.ok, v.output);
    assert.match(v.output, /SUCCESS: [1-9]\d* rules found/);
  });
}
