/** Broken input of every kind, through the CLI as a user meets it: exit 1, one located diagnostic, no stack, fast. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXAMPLE, lbgen, tempDir } from './helpers/cli.js';

const dir = tempDir('lbgen-hostile-');
const example = readFileSync(EXAMPLE, 'utf8');

function refused(name: string, content: string | Buffer, expected: RegExp): void {
  test(`refused cleanly: ${name}`, () => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, content);
    const started = Date.now();
    const r = lbgen(['validate', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - started < 5000, 'answers within seconds');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.match(r.stderr, /^.+\.yaml:\d+:\d+: error: /);
    assert.match(r.stderr, expected);
  });
}

refused('YAML syntax error', 'version: 1\nname: [unclosed\n', /YAML syntax/);
refused('duplicate key', example.replace('name: verb-app', 'name: verb-app\nname: other'), /:6:1: error: \(document\): YAML syntax: duplicated mapping key/);
refused('tab indentation', 'version: 1\nlisten:\n\thttp: 80\n', /YAML syntax/);
refused('billion laughs', ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 9 }, (_, i) => `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10).fill(i === 0 ? '*a' : `*${'b'.repeat(i)}`).join(',')}]`)].join('\n'), /aliases expand the document/);
refused('deep nesting', `a: ${'['.repeat(50000)}${']'.repeat(50000)}\n`, /nested too deeply|YAML syntax/);
refused('binary file', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]), /not a text file/);
refused('invalid UTF-8', Buffer.concat([Buffer.from('version: 1\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]), /:2:1: error: \(document\): not UTF-8 text/);
refused('empty file', '', /the file is empty/);
refused('not a mapping', '- just\n- a list\n', /must be a mapping/);
refused('a scalar document', '42\n', /must be a mapping/);
refused('far too large', Buffer.alloc(65 * 1024 * 1024, 0x20), /a topology may be at most 67108864 bytes/);

test('a byte-order mark and CRLF line endings are accepted, and render the same configs', () => {
  const out = (name: string) => join(dir, name);
  writeFileSync(join(dir, 'crlf.yaml'), `\ufeff${example.replace(/\n/g, '\r\n')}`);
  assert.equal(lbgen(['render', join(dir, 'crlf.yaml'), '-o', out('a'), '--quiet']).code, 0);
  assert.equal(lbgen(['render', EXAMPLE, '-o', out('b'), '--quiet']).code, 0);
  for (const f of ['nginx.conf', 'haproxy.cfg', 'cloudformation-alb.yaml']) {
    assert.equal(readFileSync(join(out('a'), f), 'utf8').split('crlf.yaml').join('verb-app.yaml'), readFileSync(join(out('b'), f), 'utf8'), f);
  }
});

test('ids that would carry syntax into a config are refused at the key', () => {
  const file = join(dir, 'ids.yaml');
  writeFileSync(file, example.replace('  app3: {', '  "app3;deny": {').replace('  api:\n', '  "api{x}":\n'));
  const r = lbgen(['validate', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /:29:3: error: servers\["app3;deny"\]: invalid name "app3;deny": expected an id of lower-case letters/);
  assert.match(r.stderr, /error: pools\["api\{x\}"\]: invalid name "api\{x\}"/);
});
