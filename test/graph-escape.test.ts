/**
 * The graph's two escapers against a hostile table, and a topology written with every special
 * character the schema lets reach a label: each comes out of the DOT (through Graphviz) and the
 * Mermaid exactly as written, and nothing in it reads as syntax.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toDot } from '../src/graph/dot.js';
import { buildGraph } from '../src/graph/graph.js';
import { toMermaid } from '../src/graph/mermaid.js';
import { dotToSvg } from '../src/graph/svg.js';
import { analyse } from '../src/pipeline.js';
import { RenderError, dotHtml, mermaidText } from '../src/render/escape.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { svgTexts } from './graph/xml.js';

const HOSTILE = [
  'a"b', "a'b", 'a[b]c', 'a(b)c', 'a{b}c', 'a|b', 'a<b>c', '<B>bold</B>', '</FONT>', 'a&b', '&amp;', '&#60;', '#35;', '#quot;',
  'a\\b', '\\N', '\\n', '\\l', '\\"', 'a;b', 'a:b', 'style x fill:#f00;', 'classDef c fill:#f00;', '%% comment', 'a-->b', 'a---ob',
  'end', 'subgraph', '`md`', '**b**', '~a~', '*.example.com', '2001:db8::1', '[::1]:80', '≈ ✗ é 日本', '😀',
];
const REFUSED = ['a\nb', 'a\rb', 'a\u0000b', 'a\u2028b', 'a\tb'];

const dotBack = (s: string) => s.replace(/&(amp|lt|gt|quot);|\\\\/g, (_, e?: string) => (e ? { amp: '&', lt: '<', gt: '>', quot: '"' }[e]! : '\\'));
const mermaidBack = (s: string) => s.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));

test('dotHtml: no markup character left raw, the entities read back to the value', () => {
  assert.equal(dotHtml('pool api'), 'pool api');
  assert.equal(dotHtml('<B>&"'), '&lt;B&gt;&amp;&quot;');
  for (const v of HOSTILE) {
    const out = dotHtml(v);
    assert.doesNotMatch(out, /[<>"]/, out);
    assert.doesNotMatch(out.replace(/\\\\/g, ''), /\\/, `every backslash doubled in ${out}`);
    assert.doesNotMatch(out, /&(?!(amp|lt|gt|quot);)/, out);
    assert.equal(dotBack(out), v);
  }
  for (const v of REFUSED) assert.throws(() => dotHtml(v), RenderError, JSON.stringify(v));
});

test('mermaidText: only letters, digits, space, . _ / , - and entity codes, which read back to the value', () => {
  assert.equal(mermaidText('pool api'), 'pool api');
  assert.equal(mermaidText('a"b'), 'a#34;b');
  for (const v of HOSTILE) {
    const out = mermaidText(v);
    assert.match(out, /^([A-Za-z0-9 ._/,-]|#\d+;)*$/, out);
    assert.equal(mermaidBack(out), v);
  }
  for (const v of REFUSED) assert.throws(() => mermaidText(v), RenderError, JSON.stringify(v));
});

test('Graphviz draws each hostile value as its own text: no markup, no \\N expansion', async () => {
  const dot = `digraph { ${HOSTILE.map((v, i) => `n${i} [label=<${dotHtml(v)}>]`).join('\n')} }`;
  const texts = svgTexts(await dotToSvg(dot));
  for (const v of HOSTILE) assert.ok(texts.includes(v), `${v} in ${JSON.stringify(texts)}`);
});

/** Every field the graph prints, with the characters the schema allows there beyond letters and digits. */
const SPECIAL = [
  'version: 1',
  'name: a-b-9',
  'domains: ["*.x-y.example.com", api.x-y.example.com]',
  'listen: { address: "2001:db8::10" }',
  'servers:',
  '  srv_a-1: { address: "2001:db8::1", port: 8080 }',
  '  srv_b-2: { address: host-b.x-y.example.com, port: 80 }',
  'pools:',
  '  pool_a-1: { servers: [srv_a-1, srv_b-2], healthCheck: { path: /h.x_y~z-w/v1 } }',
  'routes:',
  '  - { path: /a.b_c~d-e, pool: pool_a-1 }',
  '  - { path: /~user/x.y, pool: pool_a-1 }',
].join('\n');

test('a topology with every special character the schema allows in a label: drawn as written in SVG and Mermaid', async () => {
  const g = buildGraph(analyse(SPECIAL, { file: 't.yaml', targets: TARGET_NAMES }));
  const expected = ['/a.b_c~d-e', '/~user/x.y', 'pool pool_a-1', 'srv_a-1', '[2001:db8::1]:8080', '*.x-y.example.com', 'check /h.x_y~z-w/v1 every 10s', 'HTTP [2001:db8::10]:80'];
  const texts = svgTexts(await dotToSvg(toDot(g)));
  for (const v of expected) assert.ok(texts.includes(v), `${v} in ${JSON.stringify(texts)}`);
  const mermaid = toMermaid(g);
  const labels = [...mermaid.matchAll(/\["([^"]*)"\]/g)].flatMap((m) => m[1]!.split('<br/>').map(mermaidBack));
  for (const v of expected) assert.ok(labels.includes(v), `${v} in ${JSON.stringify(labels)}`);
  // Labels aside, the lines are lbgen's own syntax (ids, arrows, class names): no user text leaks out of a label.
  const body = mermaid.split('\n').slice(3).filter((l) => !l.trimStart().startsWith('classDef ')).join('\n').replace(/\["([^"]*)"\]/g, '[]').replace(/\|"[^"]*"\|/g, '||');
  assert.match(body, /^[A-Za-z0-9_ \n[\]|,>.-]*$/, body);
});
