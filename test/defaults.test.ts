/** DEFAULTS is generated from the schema's `default` keywords (scripts/generate.mjs): this checks the generator, and that every field is described. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, DERIVED_DEFAULTS } from '../src/model/defaults.js';
import { topologySchema } from '../src/check/schema.js';

type Node = { properties?: Record<string, Node>; additionalProperties?: Node | boolean; $ref?: string; default?: unknown };

function at(schema: Node, path: string): Node {
  let node = schema;
  for (const seg of path.split('.')) {
    const next = seg === '*' ? node.additionalProperties : node.properties?.[seg];
    assert.ok(next && typeof next === 'object', `schema has ${path}`);
    node = next;
    if (node.$ref) {
      const [, , name] = node.$ref.split('/');
      node = { ...(schema as { $defs: Record<string, Node> }).$defs[name!]!, ...(node.default !== undefined ? { default: node.default } : {}) };
    }
  }
  return node;
}

/** Every (path, default) of the schema, found by a walk of its own (a map's members and list items as `*`). */
function schemaDefaults(schema: Node & { $defs: Record<string, Node> }): [string, unknown][] {
  const found: [string, unknown][] = [];
  const walk = (node: Node & { items?: Node }, path: string[]) => {
    if (node.$ref) {
      const { $ref, ...own } = node;
      node = { ...schema.$defs[$ref.split('/').pop()!]!, ...own };
    }
    if (node.default !== undefined) return void found.push([path.join('.'), node.default]);
    for (const [k, child] of Object.entries(node.properties ?? {})) walk(child, [...path, k]);
    if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties, [...path, '*']);
    if (node.items) walk(node.items, [...path, '*']);
  };
  walk(schema, []);
  return found;
}

test('DEFAULTS holds every default of the schema at its place, and nothing else', () => {
  const schema = topologySchema() as Node & { $defs: Record<string, Node> };
  const expected = schemaDefaults(schema);
  assert.ok(expected.length >= 45, `the schema has ${expected.length} defaults`);
  const lookup = (path: string) => path.split('.').filter((seg) => seg !== '*').reduce<unknown>((o, seg) => (o as Record<string, unknown> | undefined)?.[seg], DEFAULTS);
  for (const [path, value] of expected) assert.deepEqual(lookup(path), value, path);
  const leaves = (o: unknown): number => (o && typeof o === 'object' && !Array.isArray(o) ? Object.values(o).reduce<number>((n, v) => n + leaves(v), 0) : 1);
  assert.equal(leaves(DEFAULTS), expected.length);
  // The walk above agrees with the test's own path lookup for a few fields users rely on.
  assert.equal(at(schema, 'pools.*.healthCheck.interval').default, DEFAULTS.pools.healthCheck.interval);
  assert.equal(DERIVED_DEFAULTS.deletionProtection['internet-facing'], true);
});

test('every field of the schema has a description (editors show it on hover)', () => {
  const missing: string[] = [];
  const walk = (node: Node & { description?: string; items?: Node }, path: string) => {
    for (const [k, child] of Object.entries(node.properties ?? {})) {
      if (!(child as { description?: string }).description) missing.push(`${path}${k}`);
      walk(child as Node, `${path}${k}.`);
    }
    if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}*.`);
  };
  const schema = topologySchema() as Node & { $defs: Record<string, Node> };
  walk(schema, '');
  for (const [name, def] of Object.entries(schema.$defs)) walk(def, `$defs.${name}.`);
  assert.deepEqual(missing, []);
});
