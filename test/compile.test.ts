/**
 * The built-in templates are compiled to plain JavaScript (src/render/compile.ts): the same views
 * rendered by that code and by Handlebars itself (as a user's --templates are) must give the same
 * bytes, for every valid case, for random topologies, and for small templates that reach each
 * corner of the Handlebars semantics it copies.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { analyse, renderFiles, streamFiles } from '../src/pipeline.js';
import { UnsupportedTemplate, compileTemplate } from '../src/render/compile.js';
import { OPTIONS } from '../src/render/environment.js';
import { renderTemplate } from '../src/render/handlebars.js';
import { type Runtime, runtime } from '../src/render/runtime.js';
import { TARGETS, TARGET_NAMES } from '../src/targets/index.js';
import { PROMETHEUS_RULES_FILE, prometheusView } from '../src/targets/prometheus.js';
import { caseNames, readCase } from './helpers/cases.js';
import { tempDir } from './helpers/cli.js';
import { topologyArbitrary } from './fuzz/arbitrary.js';

type HandlebarsApi = typeof import('handlebars');
const Handlebars = createRequire(import.meta.url)('handlebars') as HandlebarsApi;

/** An empty --templates folder: every built-in template, compiled by Handlebars. */
const byHandlebars = tempDir('lbgen-compile-');

/** Every file of every target, rendered both ways; returns how many files were compared. */
function compareBoth(text: string, label: string): number {
  const a = analyse(text, { file: 'topology.yaml', targets: TARGET_NAMES });
  let compared = 0;
  for (const name of TARGET_NAMES) {
    const view = a.built.get(name)!.view;
    for (const f of TARGETS[name].files) {
      assert.equal(renderTemplate(name, f.template, view), renderTemplate(name, f.template, view, byHandlebars), `${label}: ${f.path}`);
      compared++;
    }
  }
  const rules = prometheusView(a.model, TARGET_NAMES);
  if (rules) {
    const template = `${PROMETHEUS_RULES_FILE}.hbs`;
    assert.equal(renderTemplate('prometheus', template, rules), renderTemplate('prometheus', template, rules, byHandlebars), `${label}: ${PROMETHEUS_RULES_FILE}`);
    compared++;
  }
  return compared;
}

test('every valid case: the compiled built-in templates write what Handlebars writes', () => {
  let compared = 0;
  let valid = 0;
  for (const name of caseNames()) {
    let text: string;
    try {
      text = readCase(name);
      analyse(text, { file: 'topology.yaml', targets: TARGET_NAMES });
    } catch {
      continue;
    }
    valid++;
    compared += compareBoth(text, name);
  }
  assert.ok(valid >= 10, `only ${valid} valid cases`);
  assert.ok(compared >= valid * 3, `${compared} files compared`);
});

test('random topologies: the compiled built-in templates write what Handlebars writes', () => {
  const topologies = fc.sample(topologyArbitrary, { numRuns: Number(process.env.PROPERTY_CASES ?? 150), seed: 7 });
  for (const [i, t] of topologies.entries()) compareBoth(yaml.dump(t, { lineWidth: -1 }), `random ${i}`);
});

/** A small template compiled both ways, with partials. */
function both(source: string, partials: Record<string, string> = {}): { ours: (view: unknown) => string; theirs: (view: unknown) => string } {
  const code = compileTemplate('t.hbs', source, new Map(Object.entries(partials)), (s) => Handlebars.parse(s));
  const ours = (new Function('rt', code) as (rt: Runtime) => (view: unknown) => string)(runtime);
  const env = Handlebars.create();
  for (const [name, p] of Object.entries(partials)) env.registerPartial(name, p);
  const theirs = env.compile(source, OPTIONS) as (view: unknown) => string;
  return { ours, theirs };
}

const CORNERS = [
  // Lists: @index, @first, @last, @key, holes, {{else}}, nesting with ../ and @root.
  ['{{#each xs}}[{{@index}}{{#if @first}}F{{/if}}{{#if @last}}L{{/if}}={{this}}]{{else}}none{{/each}}\n', [{ xs: [1, 'b', 0] }, { xs: [] }, { xs: [, 'x', , 'y'] }, { xs: null }, { xs: 'str' }, { xs: {} }]],
  ['{{#each obj}}{{@key}}:{{this}}/{{@index}}{{#if @last}}!{{/if}} {{/each}}', [{ obj: { b: 1, a: 2, 10: 3 } }, { obj: { only: false } }]],
  ['{{#each groups}}\n{{name}}:\n{{#each items}}\n  - {{../name}}/{{this}} of {{@root.title}} {{@index}}\n{{/each}}\n{{/each}}\n', [{ title: 'T', groups: [{ name: 'g1', items: ['a', 'b'] }, { name: 'g2', items: [] }] }]],
  // Truthiness: 0, '', [], {}, null, false, strings; {{else}}; #unless; #with and its {{else}}.
  ['{{#if v}}yes{{else}}no{{/if}} {{#unless v}}u{{/unless}} {{#with v}}w{{this}}{{else}}nw{{/with}}', [{ v: 0 }, { v: '' }, { v: [] }, { v: {} }, { v: null }, { v: false }, { v: 'a' }, { v: [0] }, { v: 3 }, {}]],
  ['{{#if a}}A{{else if b}}B{{else}}C{{/if}}', [{ a: 1 }, { b: 1 }, {}]],
  ['{{#with inner}}{{x}}-{{../y}}{{/with}}', [{ inner: { x: 1 }, y: 2 }]],
  // Printed values: null and undefined print nothing, numbers and booleans as JavaScript writes them.
  ['<{{a}}|{{b}}|{{c}}|{{d}}|{{e.f}}>', [{ a: null, b: undefined, c: 0, d: false, e: { f: 1.5 } }, { a: [1, 2], b: 'x&<"', c: -1, d: true, e: { f: '' } }]],
  // Standalone lines, whitespace control, comments.
  ['x\n  {{#if a}}\n  y\n  {{/if}}\n{{! gone }}\n{{~a~}}  \nz\n', [{ a: 1 }, { a: 0 }]],
  // Partials: with and without a context, indented (each line of the output), nested.
  ['head\n  {{> p item}}\n{{#each list}}\n    {{> q}}\n{{/each}}\n', [{ item: { n: 'one' }, list: [{ n: 'a' }, { n: 'b' }] }, { item: { n: 'two' }, list: [] }]],
] as const;
const CORNER_PARTIALS = { p: 'p1 {{n}}\np2\n{{#if n}}\n{{> q}}\n{{/if}}', q: 'q {{n}}\n' };

test('each corner of the Handlebars semantics the compiler copies gives the same output', () => {
  let compared = 0;
  for (const [source, views] of CORNERS) {
    const { ours, theirs } = both(source, CORNER_PARTIALS);
    for (const view of views) {
      assert.equal(ours(view), theirs(view), `${JSON.stringify(source)} with ${JSON.stringify(view)}`);
      compared++;
    }
  }
  assert.equal(compared, CORNERS.reduce((n, [, v]) => n + v.length, 0));
});

test('rendered in pieces (as render writes them) or whole, every file is the same text; a large one comes in many pieces', () => {
  const all = { file: 'topology.yaml', targets: TARGET_NAMES };
  const cases: [string, typeof all][] = [
    ...caseNames().flatMap((name): [string, typeof all][] => {
      try {
        const text = readCase(name);
        analyse(text, all);
        return [[text, all]];
      } catch {
        return [];
      }
    }),
    // Beyond the ALB's quotas: nginx and HAProxy.
    [yaml.dump({
      version: 1, name: 'many',
      servers: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`s${i}`, { address: `10.0.${i >> 8}.${i & 255}`, port: 3000 }])),
      pools: Object.fromEntries(Array.from({ length: 300 }, (_, p) => [`p${p}`, { servers: Array.from({ length: 10 }, (_, s) => `s${p * 10 + s}`) }])),
      routes: Array.from({ length: 300 }, (_, p) => ({ path: `/p${p}`, pool: `p${p}` })),
    }), { file: 'topology.yaml', targets: ['nginx', 'haproxy'] }],
  ];
  let most = 0;
  for (const [text, opts] of cases) {
    const whole = new Map([...renderFiles(analyse(text, opts), opts)].map((f) => [f.path, f.text]));
    const pieces = new Map<string, string[]>();
    const paths = streamFiles(analyse(text, opts), opts, (path) => {
      const list: string[] = [];
      pieces.set(path, list);
      return { piece: (t) => list.push(t), end: (t) => list.push(t) };
    });
    assert.deepEqual(paths, [...whole.keys()]);
    for (const [path, list] of pieces) {
      assert.equal(list.join(''), whole.get(path), path);
      most = Math.max(most, list.length);
    }
  }
  assert.ok(most > 20, `the largest file came in ${most} pieces`);
});

test('a long list comes out flat and whole (the output is cut into chunks on the way)', () => {
  const { ours, theirs } = both('{{#each xs}}line {{this}} {{#each ys}}{{this}},{{/each}}\n{{/each}}');
  const view = { xs: Array.from({ length: 5000 }, (_, i) => i), ys: ['a', 'b', 'c'] };
  const out = ours(view);
  assert.equal(out, theirs(view));
  assert.equal(out.split('\n').length, 5001);
});

test('a field missing from the view fails as Handlebars\' strict mode does, at the same line and column', () => {
  const source = 'a\n  b {{present}} {{missing}}\n';
  const { ours, theirs } = both(source);
  const message = (render: (v: unknown) => string): string => {
    try {
      render({ present: 1 });
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.equal(message(ours), '"missing" not defined in [object Object] - 2:18');
  assert.equal(message(ours), message(theirs));
  // A block's argument is not strict: a missing list is no list.
  assert.equal(both('{{#each nothing}}x{{/each}}.').ours({}), '.');
});

test('what the compiler does not cover is refused when building, at the template line', () => {
  for (const [source, what] of [
    ['x\n{{lookup a "b"}}', /t\.hbs:2:1: a helper call/],
    ['{{#each xs as |x|}}{{x}}{{/each}}', /block parameters/],
    ['{{#custom a}}x{{/custom}}', /t\.hbs:1:1: the block helper #custom/],
    ['{{log}}', /the helper \{\{log\}\}/],
    ['{{> missing}}', /the missing partial "missing"/],
    ['{{../up}}', /above the template's own context/],
    ['{{@index}}', /@index here/],
    ['{{#if a b}}x{{/if}}', /#if without exactly one path argument/],
  ] as const) {
    assert.throws(() => compileTemplate('t.hbs', source, new Map(), (s) => Handlebars.parse(s)), (e: unknown) => e instanceof UnsupportedTemplate && what.test(e.message), source);
  }
});
