/**
 * Allow-lists in the model: a route nested under an allow-listed path (ignoring letter case)
 * inherits its allowFrom, the nearest one, unless it has its own; "/" passes on nothing; two route
 * paths that differ only in case, one of them allow-listed, are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { LbgenError } from '../src/diagnostics.js';
import { analyse } from '../src/pipeline.js';

const topology = (routes: Record<string, unknown>[]) => yaml.dump({
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 80 } },
  pools: { web: { servers: ['s1'] } },
  routes: routes.map((r) => ({ pool: 'web', ...r })),
});

function model(routes: Record<string, unknown>[]) {
  return analyse(topology(routes), { file: 'topology.yaml', targets: ['nginx', 'haproxy', 'cloudformation'] });
}

test('a nested route without allowFrom inherits the nearest allow-listed path prefix, ignoring letter case', () => {
  const a = model([
    { path: '/', allowFrom: ['10.9.0.0/16'] },
    { path: '/admin', allowFrom: ['10.0.0.0/8'] },
    { path: '/Admin/keys/rotate' },
    { path: '/admin/keys', allowFrom: ['10.1.0.0/16'] },
    { path: '/admin/KEYS/list' },
    { path: '/admin-public' },
    { path: '/api' },
  ]);
  const byPath = new Map(a.model.routes.map((r) => [r.path, r]));
  const list = (p: string) => byPath.get(p)!.allowFrom?.map((c) => c.text) ?? null;
  assert.deepEqual(list('/Admin/keys/rotate'), ['10.1.0.0/16'], 'the nearest allow-listed prefix, not the outer one');
  assert.deepEqual(byPath.get('/Admin/keys/rotate')!.inheritsFrom, { index: 3, label: 'routes[3]', path: '/admin/keys' });
  assert.equal(byPath.get('/Admin/keys/rotate')!.allowFromPointer, '/routes/2');
  assert.deepEqual(list('/admin/KEYS/list'), ['10.1.0.0/16']);
  assert.deepEqual(list('/admin/keys'), ['10.1.0.0/16'], 'its own list is kept');
  assert.equal(byPath.get('/admin/keys')!.inheritsFrom, null);
  assert.equal(byPath.get('/admin/keys')!.allowFromPointer, '/routes/3/allowFrom');
  assert.equal(list('/admin-public'), null, 'a path that only begins like /admin is not under it');
  assert.equal(list('/api'), null, '"/" is the catch-all: it passes its list on to no route');
  // explain says it for the nested route, on every target.
  for (const { target, decisions } of a.decisions) {
    const d = decisions.find((x) => x.feature === 'allowFrom' && x.pointer === '/routes/2');
    assert.ok(d, `${target}: an allowFrom decision at routes[2]`);
    assert.match(d.note, /^inherited from routes\[3\] \(\/admin\/keys\)/, target);
  }
});

test('the ALB warns at each allow-listed path that its path patterns are case-sensitive; not at "/"', () => {
  const a = model([{ path: '/', allowFrom: ['10.9.0.0/16'] }, { path: '/admin', allowFrom: ['10.0.0.0/8'] }, { path: '/admin/x' }]);
  const warnings = a.diagnostics.filter((d) => d.target === 'cloudformation' && /case-sensitive/.test(d.message));
  assert.deepEqual(warnings.map((d) => d.path), ['routes[1].allowFrom', 'routes[2]']);
  assert.match(warnings[0]!.message, /\/ADMIN \(or any other letter case of \/admin\) escapes these rules/);
  assert.ok(!a.diagnostics.some((d) => d.target !== 'cloudformation' && /case/.test(d.message)), 'nginx and HAProxy refuse every case: no warning');
});

test('two paths that differ only in letter case, one allow-listed (or under one), are an error; without an allow-list they are two routes', () => {
  for (const routes of [
    [{ path: '/admin', allowFrom: ['10.0.0.0/8'] }, { path: '/ADMIN' }],
    [{ path: '/Admin' }, { path: '/admin', allowFrom: ['10.0.0.0/8'] }],
    [{ path: '/admin', allowFrom: ['10.0.0.0/8'] }, { path: '/admin/x' }, { path: '/admin/X' }],
  ]) {
    assert.throws(() => model(routes), (e: unknown) => {
      assert.ok(e instanceof LbgenError);
      assert.match(e.message, /error: routes\[\d\]\.path: "\/\w+(\/\w)?" differs from routes\[\d\]\.path "\/\w+(\/\w)?" only in letter case/);
      return true;
    }, JSON.stringify(routes));
  }
  const open = model([{ path: '/admin' }, { path: '/ADMIN' }]);
  assert.equal(open.model.routes.length, 2);
  assert.ok(open.model.routes.every((r) => r.allowFrom === null));
});
