/** Each escaper against an adversarial table: the output is one inert token, or a refusal. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { RenderError, haproxyArg, haproxyFmt, nginxArg, yamlScalar } from '../src/render/escape.js';

const HOSTILE = ['a b', 'a;b', 'a"b', "a'b", 'a{b}', 'a#b', 'a\\b', '100%', '%[src]', 'x\\"; return 200 "y', "'; deny all; '"];
const REFUSED = ['', 'a\nb', 'a\rb', 'a\u0000b', 'a\u2028b', 'a\tb'];

test('nginxArg: bare when safe, quoted otherwise, never a raw quote, $ refused', () => {
  assert.equal(nginxArg('api.example.com'), 'api.example.com');
  assert.equal(nginxArg('1; mode=block'), '"1; mode=block"');
  assert.equal(nginxArg('a"b'), '"a\\"b"');
  assert.equal(nginxArg('a\\b'), '"a\\\\b"');
  assert.equal(nginxArg('~x'), '"~x"', 'a leading ~ would make a regex location');
  for (const v of HOSTILE) {
    const out = nginxArg(v);
    // Unescaping nginx's quoted form gives back the value exactly.
    const back = out.startsWith('"') ? out.slice(1, -1).replace(/\\(["\\])/g, '$1') : out;
    assert.equal(back, v);
    if (out.startsWith('"')) assert.doesNotMatch(out.slice(1, -1).replace(/\\\\/g, ''), /(^|[^\\])"/, `no bare quote in ${out}`);
  }
  for (const v of [...REFUSED, 'a$b', '$host']) assert.throws(() => nginxArg(v), RenderError, JSON.stringify(v));
});

test('haproxyArg: single quotes interpret nothing; a quote is closed, escaped and reopened', () => {
  assert.equal(haproxyArg('DENY'), 'DENY');
  assert.equal(haproxyArg("a'b"), "'a'\\''b'");
  assert.equal(haproxyArg('1; mode=block'), "'1; mode=block'");
  for (const v of HOSTILE) {
    const out = haproxyArg(v);
    const back = out.startsWith("'") ? out.slice(1, -1).split("'\\''").join("'") : out;
    assert.equal(back, v);
  }
  for (const v of REFUSED) assert.throws(() => haproxyArg(v), RenderError, JSON.stringify(v));
});

test('haproxyFmt doubles % first, so log-format never evaluates user text', () => {
  assert.equal(haproxyFmt('100%'), "'100%%'");
  assert.equal(haproxyFmt('%[src]'), "'%%[src]'");
});

test('yamlScalar round-trips through js-yaml, including YAML-special words', () => {
  for (const v of ['yes', 'null', '0123', 'a: b', '#x', "'", '"', 'true', '- item', '{a}', '*alias', '&anchor', '!Ref x', ...HOSTILE]) {
    assert.equal((yaml.load(`k: ${yamlScalar(v)}`, { schema: yaml.CORE_SCHEMA }) as { k: string }).k, v);
  }
  assert.equal(yamlScalar(42), '42');
  for (const v of REFUSED.slice(1)) assert.throws(() => yamlScalar(v), RenderError);
});
