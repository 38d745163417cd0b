/** Overlays (-f): the merge, and every position located in the file that wrote the value. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LbgenError, formatDiagnostic } from '../src/diagnostics.js';
import { explainRows, explainTable } from '../src/cli/explain.js';
import { loadWithOverlays } from '../src/input/overlays.js';
import { type Options, analyse, generate, sourceName } from '../src/pipeline.js';
import { packageRoot } from '../src/paths.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { Chalk } from 'chalk';

const merged = (base: string, ...overlays: string[]) =>
  loadWithOverlays({ file: 'base.yaml', text: base }, overlays.map((text, i) => ({ file: `o${i + 1}.yaml`, text })));

const failure = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof LbgenError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  assert.fail('expected a failure');
};

test('maps merge by key, lists and scalars are replaced whole, null removes a key', () => {
  const l = merged(
    'version: 1\na: { x: 1, y: 2, deep: { p: 1, q: 2 } }\nlist: [1, 2, 3]\ngone: { z: 1 }\nkeep: 5\n',
    'a: { y: 20, deep: { q: 30 }, new: true }\nlist: [9]\ngone: null\nnowhere: null\n',
  );
  assert.deepEqual(l.data, { version: 1, a: { x: 1, y: 20, deep: { p: 1, q: 30 }, new: true }, list: [9], keep: 5 });
});

test('a later overlay merges over the earlier ones; a mapping over a scalar (or a list) replaces it, and a removed key may come back', () => {
  const l = merged('version: 1\na: 1\nb: { x: 1 }\nc: [1]\n', 'a: { m: 1 }\nb: null\n', 'a: { n: 2 }\nb: { y: 2 }\nc: { k: 1 }\n');
  assert.deepEqual(l.data, { version: 1, a: { m: 1, n: 2 }, b: { y: 2 }, c: { k: 1 } });
});

test('the files are not changed: an alias shares its mapping with its anchor, and an overlay changing one place leaves the other', () => {
  const l = merged('version: 1\nservers:\n  a: &s { address: 10.0.0.1, port: 3000 }\n  b: *s\n', 'servers:\n  b: { port: 4000 }\n');
  assert.deepEqual(l.data, { version: 1, servers: { a: { address: '10.0.0.1', port: 3000 }, b: { address: '10.0.0.1', port: 4000 } } });
});

test('a key named __proto__ is merged as a key, never as the prototype', () => {
  const l = merged('version: 1\nm: { a: 1 }\n', 'm: { "__proto__": { polluted: 1 } }\n');
  const m = (l.data as { m: object }).m;
  assert.equal(Object.getPrototypeOf(m), Object.prototype);
  assert.deepEqual(Object.keys(m), ['a', '__proto__']);
  assert.equal(({} as { polluted?: number }).polluted, undefined);
});

test('positions: each value at the file and place that wrote it, overlay or base', () => {
  const base = 'version: 1\npools:\n  web:\n    balance: round-robin\n    servers: [a, b]\n  api:\n    servers: [a]\nroutes:\n  - { path: /, pool: web }\n';
  const prod = '# prod\npools:\n  web:\n    balance: least-connections\n  extra: { servers: [c] }\nroutes:\n  - { path: /x, pool: api }\n';
  const l = merged(base, prod);
  // Overridden in the overlay: the overlay's value.
  assert.deepEqual(l.locate('/pools/web/balance'), { file: 'o1.yaml', line: 4, column: 14 });
  // A sibling the overlay did not touch, in a map it merged into: the base's.
  assert.deepEqual(l.locate('/pools/web/servers/1'), { file: 'base.yaml', line: 5, column: 18 });
  assert.deepEqual(l.locate('/pools/api/servers'), { file: 'base.yaml', line: 7, column: 5 });
  // Added by the overlay.
  assert.deepEqual(l.locate('/pools/extra/servers/0'), { file: 'o1.yaml', line: 5, column: 22 });
  // A list replaced whole: its entries are the overlay's.
  assert.deepEqual(l.locate('/routes/0/pool'), { file: 'o1.yaml', line: 7, column: 23 });
  // A map both files write: where the first defines it.
  assert.deepEqual(l.locate('/pools/web'), { file: 'base.yaml', line: 3, column: 3 });
  // A field nobody writes: its nearest written parent, where that parent is defined.
  assert.deepEqual(l.locate('/pools/api/healthCheck'), { file: 'base.yaml', line: 6, column: 3 });
  assert.deepEqual(l.locate('/pools/web/healthCheck'), { file: 'base.yaml', line: 3, column: 3 });
  assert.deepEqual(l.locate('/pools/extra/healthCheck'), { file: 'o1.yaml', line: 5, column: 3 });
  assert.deepEqual(l.locate('/version'), { file: 'base.yaml', line: 1, column: 10 });
  assert.equal(l.written('/pools/web/balance'), true);
  assert.equal(l.written('/pools/web/servers'), true);
  assert.equal(l.written('/pools/web/healthCheck'), false);
  assert.equal(l.written('/routes/0/pool'), true);
});

test('positions: a removed key points at its `null` and is not written; three files, the last writer of a value wins', () => {
  const l = merged('version: 1\na: { x: 1, y: 2 }\nb: { c: 1 }\n', 'a:\n  x: null\n', 'a: { x: 3 }\nb:\n  c: 4\n', 'b: { c: null }\n');
  assert.deepEqual(l.data, { version: 1, a: { x: 3, y: 2 }, b: {} });
  assert.deepEqual(l.locate('/a/x'), { file: 'o2.yaml', line: 1, column: 9 });
  assert.deepEqual(l.locate('/a/y'), { file: 'base.yaml', line: 2, column: 15 });
  assert.deepEqual(l.locate('/b/c'), { file: 'o3.yaml', line: 1, column: 9 });
  assert.equal(l.written('/b/c'), false);
  assert.equal(l.written('/b'), true);
  assert.equal(l.written('/a/x'), true);
});

test('version: an overlay may repeat it; changing or removing it is an error at the overlay', () => {
  assert.deepEqual(merged('version: 1\nname: a\n', 'version: 1\nname: b\n').data, { version: 1, name: 'b' });
  assert.deepEqual(failure(() => merged('version: 1\nname: a\n', 'name: b\nversion: 2\n')), [
    'o1.yaml:2:10: error: version: an overlay cannot change the topology\'s version (the base says 1: remove it from the overlay or write 1)',
  ]);
  assert.deepEqual(failure(() => merged('version: 1\n', 'name: b\n', 'version: null\n')), [
    'o2.yaml:1:10: error: version: an overlay cannot change the topology\'s version (the base says 1: remove it from the overlay or write 1)',
  ]);
});

test('anchors do not cross files; an overlay is a mapping; a YAML error is located in its own file', () => {
  assert.deepEqual(failure(() => merged('version: 1\nbase: &b { x: 1 }\n', 'other: *b\n')), [
    'o1.yaml:1:10: error: (document): YAML syntax: unidentified alias "b" (anchors do not cross files: an overlay can use only the anchors it defines itself)',
  ]);
  // Anchors within one overlay work as in any file.
  assert.deepEqual(merged('version: 1\n', 'a: &x { p: 1 }\nb: { <<: *x, q: 2 }\n').data, { version: 1, a: { p: 1 }, b: { p: 1, q: 2 } });
  assert.deepEqual(failure(() => merged('version: 1\n', '- a\n')), ['o1.yaml:1:1: error: (document): an overlay must be a mapping of the fields it changes (got a list)']);
  assert.deepEqual(failure(() => merged('version: 1\n', '# nothing yet\n')), ['o1.yaml:1:1: error: (document): an overlay must be a mapping of the fields it changes (got nothing)']);
  assert.deepEqual(failure(() => merged('version: 1\n', '  \n')), ['o1.yaml:1:1: error: (document): an overlay must be a mapping of the fields it changes (got nothing)']);
  assert.deepEqual(failure(() => merged('version: 1\n', 'a: 1\na: 2\n')), ['o1.yaml:2:1: error: (document): YAML syntax: duplicated mapping key "a" (each key may appear once in a mapping)']);
});

const BASE = 'version: 1\nname: shop\nservers:\n  a: { address: 10.0.0.1, port: 3000 }\npools:\n  web: { servers: [a], balance: round-robin }\nroutes:\n  - { path: /, pool: web }\n';
const opts = (overlays: Record<string, string>): Options => ({ file: 'topology.yaml', targets: TARGET_NAMES, overlays: Object.entries(overlays).map(([file, text]) => ({ file, text })) });

test('analyse: schema and reference errors located in the overlay or the base that wrote them, the base\'s first, then each overlay\'s in order', () => {
  const errors = failure(() => analyse('version: 1\nname: shop\nservers:\n  a: { address: 10.0.0.1, port: 3000, weight: heavy }\npools:\n  web: { servers: [a] }\nroutes:\n  - { path: /, pool: web }\n', opts({
    'b.yaml': 'pools:\n  web: { balance: fastest }\n',
    'c.yaml': 'routes:\n  - { path: /, pool: wbe }\n',
  })));
  assert.deepEqual(errors, [
    'topology.yaml:4:47: error: servers.a.weight: must be an integer (got "heavy")',
    'b.yaml:2:19: error: pools.web.balance: must be one of round-robin, least-connections, source-ip-hash (got "fastest")',
    'c.yaml:2:22: error: routes[0].pool: no pool named "wbe" (did you mean "web"?)',
  ]);
});

test('analyse: a required field missing is located at its mapping, where the mapping is defined; a document-level problem is the base\'s', () => {
  assert.deepEqual(failure(() => analyse(BASE, opts({ 'prod.yaml': 'pools:\n  web:\n    servers: null\n' }))), [
    'topology.yaml:6:3: error: pools.web: missing required field "servers"',
  ]);
  assert.deepEqual(failure(() => analyse(BASE, opts({ 'prod.yaml': 'pools:\n  api: { balance: round-robin }\n' }))), [
    'prod.yaml:2:3: error: pools.api: missing required field "servers"',
  ]);
  assert.deepEqual(failure(() => analyse(BASE, opts({ 'prod.yaml': 'name: null\n' }))), [
    'topology.yaml:1:1: error: (document): missing required field "name"',
  ]);
});

test('without overlays the output is unchanged; with them the header names the base and each overlay by its base name, never its folder', () => {
  const plain = generate(BASE, { file: 'topology.yaml', targets: TARGET_NAMES });
  const none = generate(BASE, { file: 'topology.yaml', targets: TARGET_NAMES, overlays: [] });
  assert.deepEqual(none.files, plain.files);
  const over = generate(BASE, { ...opts({ '/some/where/prod.yaml': 'name: shop\n' }), file: '/else/where/topology.yaml' });
  for (const f of over.files) assert.match(f.text, /^# Generated by lbgen \S+ \(.*\) from topology\.yaml \+ prod\.yaml\.$/m, f.path);
  const strip = (text: string) => text.replace(/ from topology\.yaml( \+ prod\.yaml)?/g, '');
  assert.deepEqual(over.files.map((f) => strip(f.text)), plain.files.map((f) => strip(f.text)), 'an overlay that changes nothing changes nothing but the header');
  assert.equal(sourceName({ file: '<stdin>', overlays: [{ file: 'a b/c d.yaml', text: '' }] }), 'standard input + c_d.yaml');
});

test('explain: with overlays each row names the file that writes its field', () => {
  const analysis = analyse(BASE, opts({ 'prod.yaml': 'pools:\n  web: { healthCheck: { path: /health } }\n' }));
  const rows = explainRows(analysis);
  const check = rows.find((r) => r.feature === 'activeHealthCheck')!;
  assert.equal(check.file, 'prod.yaml');
  assert.equal(check.line, 2);
  assert.ok(rows.some((r) => r.line === null && r.file === null), 'a default has no file');
  assert.match(explainTable(rows, new Chalk({ level: 0 })), /^activeHealthCheck {2}pools\.web\.healthCheck \(prod\.yaml line 2\)$/m);
  const alone = explainRows(analyse(BASE, { file: 'topology.yaml', targets: TARGET_NAMES }));
  assert.ok(alone.every((r) => !('file' in r)), 'without overlays the rows are as before');
});

test('examples/environments: the base alone and with each overlay are valid; the stages differ where their overlays say', () => {
  const dir = join(packageRoot, 'examples', 'environments');
  const read = (name: string) => ({ file: name, text: readFileSync(join(dir, name), 'utf8') });
  const base = read('topology.yaml');
  const stage = (overlay?: string) => generate(base.text, { file: base.file, targets: TARGET_NAMES, ...(overlay ? { overlays: [read(overlay)] } : {}) });
  const [dev, staging, prod] = [stage(), stage('staging.yaml'), stage('prod.yaml')];
  const haproxy = (r: typeof dev) => r.files.find((f) => f.path === 'haproxy.cfg')!.text;
  assert.doesNotMatch(haproxy(dev), /^\s*chroot /m, 'the base leaves chroot out (null in the base)');
  assert.match(haproxy(staging), /^\s*chroot \/var\/lib\/haproxy$/m, 'haproxy: null in the overlay removes the block: the defaults again');
  assert.match(haproxy(staging), /server app2 app2\.staging\.internal:3000/);
  assert.match(haproxy(prod), /server app3 app3\.prod\.internal:3000/);
  assert.match(haproxy(staging), /server app1 app1\.staging\.internal:3000/, 'the base\'s port merged under the overlay\'s address');
  for (const r of [staging, prod]) assert.ok(r.diagnostics.every((d) => !/sslPolicy/.test(d.message)), 'no warning the overlay itself could fix');
});
