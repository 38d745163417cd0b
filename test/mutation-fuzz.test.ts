/**
 * A mutation fuzz of the reference topology: whatever the damage, the pipeline either renders or
 * refuses with located diagnostics (exit 0 or 1), never crashes. Seeded, so a failure reproduces;
 * FUZZ_CASES raises the count (npm run fuzz).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LbgenError } from '../src/diagnostics.js';
import { packageRoot } from '../src/paths.js';
import { generate } from '../src/pipeline.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { mutate, prng } from './fuzz/mutate.js';

const CASES = Number(process.env.FUZZ_CASES ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);

// The reference topology, and the one with sites (their checks walk other shapes).
for (const example of ['verb-app.yaml', 'sites.yaml']) test(`mutation fuzz: ${CASES} damaged copies of ${example} render or are refused, never crash`, () => {
  const reference = readFileSync(join(packageRoot, 'examples', example), 'utf8');
  const random = prng(SEED);
  let refused = 0;
  for (let i = 0; i < CASES; i++) {
    const text = mutate(reference, random);
    try {
      generate(text, { file: 't.yaml', targets: TARGET_NAMES });
    } catch (e) {
      if (!(e instanceof LbgenError)) assert.fail(`case ${i} (seed ${SEED}) crashed: ${(e as Error).stack}\n--- input ---\n${text}`);
      assert.ok(e.diagnostics.length > 0, `case ${i}: refused without a diagnostic`);
      for (const d of e.diagnostics) assert.ok(d.line >= 1 && d.column >= 1, `case ${i}: diagnostic without a position`);
      refused++;
    }
  }
  assert.ok(refused > CASES / 10, `the mutations must break the topology often (${refused} of ${CASES} refused)`);
});
