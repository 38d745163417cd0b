/**
 * sticky.value (with setBy: application): what the application's cookie holds decides what nginx
 * can do with it. A server id is sent to that server (native); an opaque value is hashed, which
 * need not lead back to the server that issued it (approximated, a warning). HAProxy and the ALB
 * follow either. `value` means nothing for the balancer's own cookie or for source-IP stickiness.
 * The behaviour on the real proxies is test/e2e-app-cookie.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LbgenError } from '../src/diagnostics.js';
import { analyse } from '../src/pipeline.js';
import { nginxArg, nginxMapKey } from '../src/render/escape.js';

const topology = (sticky: Record<string, unknown>) => JSON.stringify({
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools: { web: { servers: ['s1', 's2'], sticky } },
  routes: [{ path: '/', pool: 'web' }],
});

const outcomes = (sticky: Record<string, unknown>) => {
  const a = analyse(topology(sticky), { file: 't.yaml', targets: ['nginx', 'haproxy', 'cloudformation'] });
  return Object.fromEntries(a.decisions.map((t) => [t.target, t.decisions.find((d) => d.feature === 'stickyAppCookie')?.outcome]));
};

const refusal = (sticky: Record<string, unknown>): string[] => {
  try {
    analyse(topology(sticky), { file: 't.yaml', targets: ['nginx'] });
  } catch (e) {
    if (e instanceof LbgenError) return e.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`);
    throw e;
  }
  return [];
};

test('nginx follows a cookie holding server ids natively, an opaque one approximately (opaque by default); HAProxy and the ALB follow both', () => {
  const app = { by: 'cookie', cookie: 'verb-server-id', setBy: 'application' };
  assert.deepEqual(outcomes({ ...app, value: 'server-id' }), { nginx: 'native', haproxy: 'native', cloudformation: 'native' });
  assert.deepEqual(outcomes({ ...app, value: 'opaque' }), { nginx: 'approximated', haproxy: 'native', cloudformation: 'native' });
  assert.deepEqual(outcomes(app), outcomes({ ...app, value: 'opaque' }));
});

test('value is refused where no application issues the cookie', () => {
  assert.deepEqual(refusal({ by: 'source-ip', value: 'server-id' }), ['pools.web.sticky.value: "value" applies only to sticky.by: cookie']);
  assert.deepEqual(refusal({ by: 'cookie', value: 'server-id' }), ['pools.web.sticky.value: "value" applies only to sticky.setBy: application']);
  assert.deepEqual(refusal({ by: 'cookie', setBy: 'balancer', value: 'opaque' }), ['pools.web.sticky.value: "value" applies only to sticky.setBy: application']);
  assert.equal(refusal({ by: 'cookie', setBy: 'application', value: 'id' }).length, 1);
});

test('nginxMapKey: every key is literal (a leading \\ that nginx strips), then quoted as any argument', () => {
  // nginx reads these as map parameters, or a regex, without the backslash.
  for (const id of ['default', 'include', 'hostnames', 'volatile', '~x', 'app1']) {
    assert.equal(nginxMapKey(id), nginxArg(`\\${id}`));
    assert.equal(nginxMapKey(id), `"\\\\${id}"`);
  }
});
