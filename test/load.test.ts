/** YAML loading: every diagnostic at the offending key or value; broken input refused cleanly. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LbgenError, formatDiagnostic } from '../src/diagnostics.js';
import { load } from '../src/input/load.js';
import { analyse } from '../src/pipeline.js';

const failure = (text: string): string[] => {
  try {
    analyse(text, { file: 't.yaml', targets: [] });
  } catch (e) {
    if (e instanceof LbgenError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  assert.fail('expected a failure');
};

test('locate points at values, keys of blocks, and flow entries inside sequences', () => {
  const l = load('a: 1\nb:\n  c: [x, "y"]\nd:\n  - { e: f }\n  - g\n', 't.yaml');
  assert.deepEqual(l.locate('/a'), { line: 1, column: 4 });
  assert.deepEqual(l.locate('/b'), { line: 2, column: 1 }, 'a block value is pointed at by its key');
  assert.deepEqual(l.locate('/b/c/1'), { line: 3, column: 10 });
  assert.deepEqual(l.locate('/d/0/e'), { line: 5, column: 10 });
  assert.deepEqual(l.locate('/d/1'), { line: 6, column: 5 });
  assert.deepEqual(l.locate('/b/missing'), { line: 2, column: 1 }, 'a missing field points at its parent');
  assert.deepEqual(l.locate('/d/0/e', true), { line: 5, column: 7 });
});

test('a top-level key is found at its own line, never in a block scalar, a comment or a longer key', () => {
  const text = 'note: |\n  pools:\n    fake\n# pools:\npoolsx: 1\n"pools" :\n  a: { servers: [s] }\nb: 2\n';
  const l = load(text, 't.yaml');
  assert.deepEqual(l.locate('/pools'), { line: 6, column: 1 });
  assert.deepEqual(l.locate('/b', true), { line: 8, column: 1 });
  assert.deepEqual(l.locate('/b'), { line: 8, column: 4 }, 'a scalar value is pointed at itself');
  assert.deepEqual(l.locate('/pools/a'), { line: 7, column: 3 });
  const twice = load('a: [\nb: x ]\nb: { c: 1 }\n', 't.yaml');
  assert.deepEqual(twice.locate('/b'), { line: 3, column: 1 }, 'two candidate lines: the full index decides');
});

test('positions recorded in the one parse: quoted and numeric keys, nested and flow-in-block sequences, merges, written()', () => {
  const text = '"quoted key": 1\n7: seven\nl: [[1, 2]]\ns:\n  - - a\n    - { b: 1 }\nbase: &b { x: 1 }\nd: { <<: *b, y: 2 }\ne: {}\n';
  const l = load(text, 't.yaml');
  assert.deepEqual(l.locate('/quoted key'), { line: 1, column: 15 });
  assert.deepEqual(l.locate('/7', true), { line: 2, column: 1 });
  assert.deepEqual(l.locate('/l/0/1'), { line: 3, column: 9 });
  assert.deepEqual(l.locate('/s/0/1/b'), { line: 6, column: 12 });
  assert.deepEqual(l.locate('/d/y'), { line: 8, column: 17 });
  // A merged field is not written at its mapping: its place is the mapping's key.
  assert.deepEqual(l.locate('/d/x'), { line: 8, column: 1 });
  assert.equal(l.written('/d/y'), true);
  assert.equal(l.written('/d/x'), false);
  assert.equal(l.written('/e'), true);
  assert.equal(l.written('/e/f'), false);
  assert.equal(l.written('/l/0/2'), false);
});

test('positions recorded when first asked (--quiet) are the ones the one parse records', () => {
  const text = '\ufeff"quoted key": 1\r\n7: seven\nl: [[1, 2]]\ns:\n  - - a\n    - { b: 1 }\nbase: &b { x: 1 }\nd: { <<: *b, y: 2 }\ne: {}\nf:\n  g: |\n    text\n  h: x\n';
  const now = load(text, 't.yaml');
  const asked = load(text, 't.yaml', { positions: 'asked' });
  assert.deepEqual(asked.data, now.data);
  const pointers = ['', '/quoted key', '/7', '/l/0/1', '/s/0/1/b', '/base/x', '/d/y', '/d/x', '/e', '/e/f', '/f/g', '/f/h', '/f/missing/deeper', '/l/0/2'];
  const asks = pointers.flatMap((pointer) => [{ pointer }, { pointer, atKey: true }]);
  assert.deepEqual(asked.locateEach(asks), now.locateEach(asks));
  assert.deepEqual(pointers.map((p) => asked.written(p)), pointers.map((p) => now.written(p)));
  assert.deepEqual(load(text, 't.yaml', { positions: 'asked' }).locate('/f/h'), { line: 13, column: 6 }, 'a first ask alone');
});

test('a byte-order mark and CRLF line endings are accepted, positions unchanged', () => {
  const l = load('\ufeffa: 1\r\nb: two\r\n', 't.yaml');
  assert.deepEqual(l.data, { a: 1, b: 'two' });
  assert.deepEqual(l.locate('/b'), { line: 2, column: 4 });
});

test('YAML problems are located diagnostics, never exceptions', () => {
  assert.deepEqual(failure('a: 1\na: 2\n'), ['t.yaml:2:1: error: (document): YAML syntax: duplicated mapping key "a" (each key may appear once in a mapping)']);
  assert.deepEqual(failure('s: { "x y": 1, \'x y\': 2 }\n'), ['t.yaml:1:16: error: (document): YAML syntax: duplicated mapping key "x y" (each key may appear once in a mapping)']);
  assert.match(failure('a:\n\tb: 1\n')[0]!, /^t\.yaml:2:1: error: \(document\): YAML syntax: /);
  assert.deepEqual(failure(''), ['t.yaml:1:1: error: (document): the file is empty: expected a topology mapping (`lbgen init` writes an example)']);
  assert.deepEqual(failure('- a\n- b\n'), ['t.yaml:1:1: error: (document): the document must be a mapping of topology fields (got a list)']);
  assert.deepEqual(failure('just text\n'), ['t.yaml:1:1: error: (document): the document must be a mapping of topology fields (got a string)']);
  assert.match(failure('a: 1\u0000\n')[0]!, /not a text file/);
  assert.match(failure(`${'['.repeat(20000)}${']'.repeat(20000)}`)[0]!, /nested too deeply|YAML syntax/);
});

test('a "billion laughs" document is refused, not expanded', () => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  const started = Date.now();
  assert.match(failure(`${lines.join('\n')}\n`)[0]!, /aliases expand the document beyond/);
  assert.ok(Date.now() - started < 2000);
});

test('dates and other YAML 1.1 types stay strings (core schema)', () => {
  assert.deepEqual(load('a: 2024-01-01\nb: yes\n', 't.yaml').data, { a: '2024-01-01', b: 'yes' });
});

test('"did you mean" counts a swap of two letters as one edit', () => {
  const text = 'version: 1\nname: x\nservers:\n  a: { address: 10.0.0.1, port: 3000 }\npools:\n  p: { servers: [a] }\nroutes:\n  - { paht: /, pool: p, rateLimit: { perSecond: 1, brust: 2 } }\n';
  const said = failure(text).join('\n');
  assert.match(said, /routes\[0\]\.paht: .*\(did you mean "path"\?\)/);
  assert.match(said, /routes\[0\]\.rateLimit\.brust: .*\(did you mean "burst"\?\)/);
});

test('an unquoted version is told to be quoted', () => {
  const text = 'version: 1\nname: x\nservers:\n  a: { address: 10.0.0.1, port: 3000 }\npools:\n  p: { servers: [a] }\nroutes:\n  - { path: /, pool: p }\nnginx: { version: 1.20 }\n';
  assert.deepEqual(failure(text), ['t.yaml:9:19: error: nginx.version: must be a version string such as "1.22" (quote it: YAML reads 1.20 as the number 1.2) (got 1.2)']);
});

test('merge keys repeat a mapping (<<: *anchor), the later fields winning', () => {
  const l = load('servers:\n  a: &srv { address: 10.0.0.1, port: 3000, weight: 2 }\n  b: { <<: *srv, address: 10.0.0.2 }\n', 't.yaml');
  assert.deepEqual((l.data as { servers: unknown }).servers, { a: { address: '10.0.0.1', port: 3000, weight: 2 }, b: { address: '10.0.0.2', port: 3000, weight: 2 } });
  assert.deepEqual(l.locate('/servers/b/address'), { line: 3, column: 27 });
});
