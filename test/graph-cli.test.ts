/** lbgen graph as a user runs it: formats, stdout or -o, standard input, errors and exit codes as the other commands. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXAMPLE, lbgen, tempDir } from './helpers/cli.js';
import { packageRoot } from '../src/paths.js';
import { svgTexts } from './graph/xml.js';

const golden = (name: string) => readFileSync(join(packageRoot, 'test', 'graph', 'expected', name), 'utf8');
const BAD = 'version: 1\nname: x\nservers:\n  a: { address: 10.0.0.1, port: 3000 }\npools:\n  p: { servers: [a] }\nroutes:\n  - { path: /, pool: q }\n';

test('graph prints Mermaid by default, DOT with --format dot, on stdout alone', () => {
  const mermaid = lbgen(['graph', EXAMPLE]);
  assert.equal(mermaid.code, 0, mermaid.stderr);
  assert.equal(mermaid.stdout, golden('verb-app.mmd'));
  assert.equal(mermaid.stderr, '', 'warnings are marked in the picture, not printed');
  const dot = lbgen(['graph', EXAMPLE, '--format', 'dot']);
  assert.equal(dot.code, 0, dot.stderr);
  assert.equal(dot.stdout, golden('verb-app.dot'));
  // The global flag works before the command too.
  assert.equal(lbgen(['--format', 'mermaid', 'graph', EXAMPLE]).stdout, golden('verb-app.mmd'));
});

test('graph --format svg -o FILE writes the SVG there (nothing on stdout); - reads standard input', () => {
  const dir = tempDir();
  const r = lbgen(['graph', EXAMPLE, '--format', 'svg', '-o', join(dir, 'verb-app.svg')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `wrote ${join(dir, 'verb-app.svg')}\n`);
  assert.deepEqual(readdirSync(dir), ['verb-app.svg'], 'no temporary file left');
  const texts = svgTexts(readFileSync(join(dir, 'verb-app.svg'), 'utf8'));
  for (const pool of ['pool http', 'pool api', 'pool websocket']) assert.ok(texts.includes(pool), pool);
  const piped = lbgen(['graph', '-', '--format', 'dot', '-t', 'nginx'], { input: readFileSync(EXAMPLE, 'utf8') });
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /≈ nginx: activeHealthCheck/);
  assert.doesNotMatch(piped.stdout, /cloudformation: /, '-t limits the marks to the targets named');
});

test('graph --format json: the graph as data', () => {
  const r = lbgen(['graph', EXAMPLE, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const g = JSON.parse(r.stdout) as { name: string; nodes: { title: string; kind: string }[]; edges: unknown[]; clusters: unknown[] };
  assert.equal(g.name, 'verb-app');
  assert.deepEqual(g.nodes.filter((n) => n.kind === 'pool').map((n) => n.title), ['pool api', 'pool http', 'pool websocket']);
});

test('an invalid topology: exit 1, located diagnostics as other commands give them, no picture', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 't.yaml'), BAD);
  const r = lbgen(['graph', 't.yaml', '-o', 'g.mmd'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, [
    't.yaml:6:3: warning: pools.p: pool "p" is not used by any route',
    't.yaml:8:22: error: routes[0].pool: no pool named "q" (did you mean "p"?)',
    '',
  ].join('\n'));
  assert.deepEqual(readdirSync(dir), ['t.yaml'], 'nothing written');
  const json = lbgen(['graph', 't.yaml', '--format', 'json'], { cwd: dir });
  assert.equal(json.code, 1);
  assert.deepEqual((JSON.parse(json.stdout) as { pointer: string }[]).map((d) => d.pointer), ['/pools/p', '/routes/0/pool']);
});

test('usage errors exit 2: a picture format on another command, text on graph, a missing file', () => {
  const other = lbgen(['validate', EXAMPLE, '--format', 'svg']);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /--format svg draws a picture, for lbgen graph: this command takes text, json, github, sarif/);
  const text = lbgen(['graph', EXAMPLE, '--format', 'text']);
  assert.equal(text.code, 2);
  assert.match(text.stderr, /graph draws --format mermaid, dot, svg, json \(default mermaid\), not text/);
  assert.equal(lbgen(['graph', EXAMPLE, '--format', 'png']).code, 2);
  const missing = lbgen(['graph', 'no-such-file.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read no-such-file\.yaml: no such file/);
});

test('the bundle leaves Graphviz out: only graph --format svg loads it (the start-up of every other command is unchanged)', () => {
  const bundle = readFileSync(join(packageRoot, 'dist', 'lbgen.cjs'), 'utf8');
  assert.ok(bundle.includes('"@viz-js/viz"'), 'required from node_modules at run time');
  assert.ok(!bundle.includes('graphvizVersion'), 'no part of @viz-js/viz inside the bundle');
});

test('graph refuses the annotation formats: its --format is the picture', () => {
  const r = lbgen(['graph', EXAMPLE, '--format', 'sarif']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /graph draws --format mermaid, dot, svg, json \(default mermaid\), not sarif/);
  assert.equal(r.stdout, '');
});
