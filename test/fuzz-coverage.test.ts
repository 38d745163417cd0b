/**
 * The random topologies of the property tests reach every field of the schema: a field added to
 * the schema without a generator fails here, so the real validators also judge it on random input.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { SCHEMA_FILE, schemaReference } from '../scripts/schema-doc.js';
import { topologyArbitrary } from './fuzz/arbitrary.js';

test('every field of the schema appears in 300 generated topologies', () => {
  // The reference's rows name each field as `pools.<id>.healthCheck.host`, `routes[].allowFrom`.
  const fields = [...schemaReference(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
  assert.ok(fields.length > 100, `${fields.length} fields`);
  const seen = new Set<string>();
  const walk = (value: unknown, field: string): void => {
    if (field) seen.add(field);
    if (Array.isArray(value)) value.forEach((v) => walk(v, `${field}[]`));
    else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) walk(v, field === '' ? key : /^(servers|pools|sites)$/.test(field) ? `${field}.<id>` : `${field}.${key}`);
    }
  };
  for (const t of fc.sample(topologyArbitrary, { numRuns: 300, seed: 1 })) walk(t, '');
  assert.deepEqual(fields.filter((f) => !seen.has(f)), [], 'schema fields no generated topology has (test/fuzz/arbitrary.ts)');
});
