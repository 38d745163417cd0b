/** lbgen graph in process: the graph's data, its marks, the DOT and Mermaid goldens, the SVG. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { toDot } from '../src/graph/dot.js';
import { buildGraph, type GraphNode } from '../src/graph/graph.js';
import { toMermaid } from '../src/graph/mermaid.js';
import { dotToSvg } from '../src/graph/svg.js';
import { packageRoot as root } from '../src/paths.js';
import { analyse } from '../src/pipeline.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { fiftyRoutes } from './graph/fifty.js';
import { svgTexts } from './graph/xml.js';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { topologyArbitrary } from './fuzz/arbitrary.js';

const reference = readFileSync(join(root, 'examples', 'verb-app.yaml'), 'utf8');
const graphOf = (text: string, targets = TARGET_NAMES) => buildGraph(analyse(text, { file: 't.yaml', targets }));
const byTitle = (nodes: readonly GraphNode[], title: string) => nodes.find((n) => n.title === title) ?? assert.fail(`no node ${title}`);

test('the reference: every listener, site, route, pool and server is a node, joined in that order', () => {
  const g = graphOf(reference);
  const model = analyse(reference, { file: 't.yaml', targets: [] }).model;
  for (const p of model.pools) byTitle(g.nodes, `pool ${p.id}`);
  for (const r of model.routes) assert.equal(byTitle(g.nodes, r.path).kind, 'route');
  for (const s of model.servers) assert.equal(byTitle(g.nodes, s.id).kind, 'server');
  assert.deepEqual(g.nodes.filter((n) => n.kind === 'listener').map((n) => n.title), ['HTTP :80', 'HTTPS :443']);
  assert.deepEqual(g.clusters.map((c) => c.title), ['site default']);
  const id = (title: string) => byTitle(g.nodes, title).id;
  const edges = new Set(g.edges.map((e) => `${e.from}->${e.to}${e.label ? ` ${e.label}` : ''}`));
  for (const e of [
    `${id('HTTP :80')}->${id('HTTPS :443')} redirect 301`,
    `${id('HTTPS :443')}->${id('api.example.com')}`,
    `${id('api.example.com')}->${id('/api')}`,
    `${id('/api')}->${id('pool api')}`,
    `${id('/ws')}->${id('pool websocket')}`,
    `${id('pool http')}->${id('app3')}`,
  ]) assert.ok(edges.has(e), e);
  // Every node but the site's entry lies in the site's cluster or outside: routes inside, pools outside.
  const inSite = new Set(g.clusters[0]!.nodes);
  assert.ok(model.routes.every((r) => inSite.has(id(r.path))));
  assert.ok(!inSite.has(id('pool api')));
});

test('the marks are the decisions explain shows: /api approximated on HAProxy and on the ALB (a WAF rate rule)', () => {
  const g = graphOf(reference);
  assert.deepEqual(byTitle(g.nodes, '/api').marks, [
    { target: 'haproxy', outcome: 'approximated', features: ['rateLimit'] },
    { target: 'cloudformation', outcome: 'approximated', features: ['rateLimit'] },
  ]);
  assert.deepEqual(byTitle(g.nodes, 'pool websocket').marks.map((k) => `${k.target} ${k.outcome} ${k.features.join()}`), [
    'nginx approximated activeHealthCheck',
    'cloudformation approximated stickySourceIp',
  ]);
  // What no other node owns (limits) marks the balancer's own box; a route every target realises has none.
  assert.deepEqual(byTitle(g.nodes, 'verb-app, balancer-wide').marks, [{ target: 'cloudformation', outcome: 'unsupported', features: ['connectionLimits'] }]);
  assert.deepEqual(byTitle(g.nodes, '/').marks, []);
  // Only the targets asked for: nginx alone marks no rate limit, and leaves no balancer box.
  const nginxOnly = graphOf(reference, ['nginx']);
  assert.deepEqual(byTitle(nginxOnly.nodes, '/api').marks, []);
  assert.ok(!nginxOnly.nodes.some((n) => n.kind === 'balancer'));
  assert.deepEqual(nginxOnly.targets, ['nginx']);
});

test('a pool no route uses and a server in no pool are drawn idle; weights and backups label their edges', () => {
  const g = graphOf([
    'version: 1', 'name: idle',
    'servers: { a: { address: 10.0.0.1, port: 80, weight: 3 }, b: { address: "::1", port: 80, backup: true }, c: { address: 10.0.0.3, port: 80 } }',
    'pools: { used: { servers: [a, b] }, spare: { servers: [a] } }',
    'routes: [{ path: /, pool: used }]',
  ].join('\n'));
  assert.equal(byTitle(g.nodes, 'pool spare').idle, true);
  assert.equal(byTitle(g.nodes, 'pool used').idle, false);
  assert.equal(byTitle(g.nodes, 'c').idle, true);
  assert.deepEqual(byTitle(g.nodes, 'b').details, ['[::1]:80']);
  const used = byTitle(g.nodes, 'pool used').id;
  assert.deepEqual(g.edges.filter((e) => e.from === used).map((e) => [e.label, e.dashed]), [['weight 3', false], ['backup', true]]);
  assert.deepEqual(g.nodes.filter((n) => n.kind === 'listener').map((n) => n.title), ['HTTP :80'], 'no HTTPS listener without tls');
});

/** A printer's output for the reference against its golden file (UPDATE_GOLDEN=1 rewrites it; never on CI). */
function golden(name: string, text: string): void {
  const file = join(root, 'test', 'graph', 'expected', name);
  if (process.env.UPDATE_GOLDEN === '1' && process.env.CI !== 'true') writeFileSync(file, text);
  assert.equal(text, readFileSync(file, 'utf8'), `${name} (UPDATE_GOLDEN=1 node --test dist/test/graph.test.js rewrites it)`);
}

test('DOT and Mermaid of the reference: byte-identical on every run, as the goldens', () => {
  const [dot, mermaid] = [toDot(graphOf(reference)), toMermaid(graphOf(reference))];
  assert.equal(toDot(graphOf(reference)), dot);
  assert.equal(toMermaid(graphOf(reference)), mermaid);
  golden('verb-app.dot', dot);
  golden('verb-app.mmd', mermaid);
});

test('SVG of the reference: well-formed XML naming every pool, route, server and mark', async () => {
  const svg = await dotToSvg(toDot(graphOf(reference)));
  const texts = svgTexts(svg);
  for (const p of ['pool http', 'pool api', 'pool websocket', '/api', '/ws', '/health', '/', 'app1', 'app2', 'app3', 'HTTPS :443']) {
    assert.ok(texts.includes(p), `${p} in ${JSON.stringify(texts)}`);
  }
  assert.ok(texts.includes('≈ cloudformation: rateLimit'));
  assert.equal(await dotToSvg(toDot(graphOf(reference))), svg, 'the same SVG on every run');
});

test('50 routes: every route drawn, and the picture grows down, not across (one column of routes)', async () => {
  const g = graphOf(fiftyRoutes());
  assert.equal(g.nodes.filter((n) => n.kind === 'route').length, 50);
  const svg = await dotToSvg(toDot(g));
  const texts = new Set(svgTexts(svg));
  for (const n of g.nodes) assert.ok(texts.has(n.title), n.title);
  const [, width, height] = /<svg width="(\d+)pt" height="(\d+)pt"/.exec(svg)!.map(Number);
  // Left to right, five columns (listeners, site, routes, pools, servers): as wide as with 4 routes.
  assert.ok(width! < 1600, `width ${width}pt`);
  assert.ok(height! > width!, `height ${height}pt, width ${width}pt`);
  assert.match(svg, /font-size="11.00"/, 'labels at 11 pt, read at 100 %');
});

test('the README shows the reference as graph draws it: docs/verb-app.svg and the Mermaid block', async () => {
  const svg = await dotToSvg(toDot(graphOf(reference)));
  const file = join(root, 'docs', 'verb-app.svg');
  if (process.env.UPDATE_GOLDEN === '1' && process.env.CI !== 'true') writeFileSync(file, svg);
  assert.equal(readFileSync(file, 'utf8'), svg, 'docs/verb-app.svg (UPDATE_GOLDEN=1 node --test dist/test/graph.test.js rewrites it)');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.ok(readme.includes('![lbgen graph of examples/verb-app.yaml](docs/verb-app.svg)'));
  assert.ok(readme.includes(`\`\`\`mermaid\n${toMermaid(graphOf(reference))}\`\`\``), 'the README\'s Mermaid block is graph\'s output for the reference');
});

test('random topologies (test/fuzz/arbitrary.ts, fixed seed): Graphviz lays out every one, each pool and route named in the SVG', async () => {
  const cases = fc.sample(topologyArbitrary, { numRuns: Number(process.env.GRAPH_CASES ?? 40), seed: 18 });
  for (const [i, t] of cases.entries()) {
    const text = yaml.dump(t, { lineWidth: -1 });
    const g = graphOf(text);
    let texts: Set<string>;
    try {
      texts = new Set(svgTexts(await dotToSvg(toDot(g))));
    } catch (e) {
      assert.fail(`case ${i}: ${(e as Error).message}\n--- topology ---\n${text}`);
    }
    for (const n of g.nodes.filter((x) => x.kind === 'pool' || x.kind === 'route')) assert.ok(texts.has(n.title), `case ${i}: ${n.title}\n${text}`);
    assert.equal(toMermaid(g), toMermaid(graphOf(text)), `case ${i}: Mermaid deterministic`);
  }
});
