/**
 * Golden files, one folder per scenario (test/cases/<name>/). UPDATE_GOLDEN=1 (npm run test:update)
 * rewrites every expected file and deletes the ones this run did not produce; CI never updates.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { casesDir, caseNames, diagnosticsText, renderCase } from './helpers/cases.js';

const update = process.env.UPDATE_GOLDEN === '1' && process.env.CI !== 'true';

for (const name of caseNames()) {
  test(`golden: ${name}`, () => {
    const expectedDir = join(casesDir, name, 'expected');
    const out = renderCase(name);
    // A valid case that turned invalid would lose its config goldens and its validator runs on an
    // update: the name says which it must be.
    assert.equal(out.invalid, name.startsWith('invalid-'), `case ${name} is ${out.invalid ? 'invalid' : 'valid'}: only invalid-* cases may be`);
    const produced = new Map<string, string>();
    if (out.common.length) produced.set('diagnostics.txt', diagnosticsText(out.common));
    for (const [target, r] of out.perTarget) {
      if ('error' in r) produced.set(`${target}.errors.txt`, diagnosticsText(r.error));
      else {
        for (const f of r.files) produced.set(f.path, f.text);
        if (r.diagnostics.length) produced.set(`${target}.warnings.txt`, diagnosticsText(r.diagnostics));
      }
    }
    for (const f of out.companions) produced.set(f.path, f.text);
    if (update) {
      mkdirSync(expectedDir, { recursive: true });
      for (const stale of readdirSync(expectedDir)) if (!produced.has(stale)) rmSync(join(expectedDir, stale));
      for (const [file, text] of produced) writeFileSync(join(expectedDir, file), text);
      return;
    }
    const expected = existsSync(expectedDir) ? readdirSync(expectedDir).sort() : [];
    assert.deepEqual([...produced.keys()].sort(), expected, `files of case ${name} (npm run test:update rewrites them)`);
    for (const [file, text] of produced) assert.equal(text, readFileSync(join(expectedDir, file), 'utf8'), `${name}/expected/${file}`);
  });
}
