/**
 * The user's field reference (docs/topology.md) is made from the schema: a schema change without
 * `npm run docs` fails here, so the reference in the repository never describes another schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REFERENCE_FILE, SCHEMA_FILE, schemaReference } from '../scripts/schema-doc.js';

const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));

test('docs/topology.md is the reference made from the current schema (npm run docs rewrites it)', () => {
  assert.equal(readFileSync(REFERENCE_FILE, 'utf8'), schemaReference(schema), 'docs/topology.md is stale: run npm run docs');
});

test('the reference names every field of the schema, with its default', () => {
  const text = schemaReference(schema);
  for (const field of ['`pools.<id>.healthCheck.interval`', '`routes[].allowFrom`', '`servers.<id>.weight`', '`aws.targetType`', '`nginx.version`']) {
    assert.ok(text.includes(`| ${field} |`), `${field} missing`);
  }
  assert.match(text, /\| `pools\.<id>\.balance` \| one of `round-robin`, `least-connections`, `source-ip-hash` \|  \| `"round-robin"` \|/);
});
