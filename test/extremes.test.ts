/**
 * The largest values the schema accepts still give configs every real validator takes: what no
 * target can take is refused at its field, what one target cannot count is left out with a warning.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import yaml from 'js-yaml';
import { LbgenError, formatDiagnostic } from '../src/diagnostics.js';
import { analyse, generate } from '../src/pipeline.js';
import { haproxyCheck, nginxCheck, pathsOf } from './helpers/validators.js';

const topology = (pool: object, extra: object = {}) => yaml.dump({
  version: 1,
  name: 'edge',
  listen: { address: '127.0.0.1', http: 8080 },
  servers: { a: { address: '127.0.0.1', port: 3000 } },
  pools: { web: { servers: ['a'], ...pool } },
  routes: [{ path: '/', pool: 'web', websocket: true }],
  ...extra,
});

function refusals(text: string): string[] {
  try {
    analyse(text, { file: 't.yaml', targets: ['nginx', 'haproxy'] });
  } catch (e) {
    if (e instanceof LbgenError) return e.diagnostics.map(formatDiagnostic);
    throw e;
  }
  return [];
}

/** Render for nginx and HAProxy and have both validators judge; a validator that cannot run marks the test skipped, with the reason. */
function judge(t: TestContext, text: string): { warnings: string[] } {
  const opts = { file: 't.yaml', targets: ['nginx', 'haproxy'] } as const;
  const r = generate(text, opts);
  const paths = pathsOf(analyse(text, opts).model);
  for (const f of r.files) {
    const verdict = f.path === 'nginx.conf' ? nginxCheck(f.text, paths) : f.path === 'haproxy.cfg' ? haproxyCheck(f.text, paths) : null;
    if (verdict?.skipped) t.skip(`${f.path} not judged: ${verdict.skipped}`);
    else if (verdict) assert.ok(verdict.ok, `${f.path}: ${verdict.output}`);
  }
  return { warnings: r.diagnostics.map(formatDiagnostic) };
}

test('durations: 24 days is the most every target takes; beyond, each is refused at its field', (t) => {
  const day24 = { timeouts: { connect: '24d', server: '24d', tunnel: '24d' }, healthCheck: { path: '/h', interval: '24d', timeout: '5s' }, passive: { failTimeout: '24d' }, sticky: { by: 'source-ip', ttl: '24d' } };
  judge(t, topology(day24, { limits: { queueTimeout: '24d', shutdownTimeout: '24d' } }));
  const over = refusals(topology({ timeouts: { connect: '25d', tunnel: '100d' }, passive: { failTimeout: 3_000_000 }, sticky: { by: 'source-ip', ttl: '999999999d' } }, { limits: { queueTimeout: '30d', shutdownTimeout: '25d' } }));
  for (const field of ['pools.web.timeouts.connect', 'pools.web.timeouts.tunnel', 'pools.web.passive.failTimeout', 'pools.web.sticky.ttl', 'limits.queueTimeout', 'limits.shutdownTimeout']) {
    assert.ok(over.some((d) => d.includes(`: error: ${field}: must be at most 24d`)), `${field} in:\n${over.join('\n')}`);
  }
});

test('a cookie the balancer issues may live a year; a stick-table entry 24 days', (t) => {
  judge(t, topology({ sticky: { by: 'cookie', ttl: '365d' } }));
  const over = refusals(topology({ sticky: { by: 'cookie', ttl: '366d' } }));
  assert.ok(over.some((d) => d.includes(': error: pools.web.sticky.ttl: must be at most 365d')), over.join('\n'));
  const table = refusals(topology({ sticky: { by: 'cookie', setBy: 'application', cookie: 'sid', ttl: '25d' } }));
  assert.ok(table.some((d) => d.includes(': error: pools.web.sticky.ttl: must be at most 24d')), table.join('\n'));
});

test('connection limits above what nginx\'s limit_conn counts are left to worker_connections, with a warning', (t) => {
  const { warnings } = judge(t, topology({}, { limits: { maxConnections: 1_000_000, connectionsPerClient: 100_000 } }));
  assert.ok(warnings.some((w) => /warning: limits\.maxConnections: nginx's limit_conn counts at most 65535/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /warning: limits\.connectionsPerClient: nginx's limit_conn counts at most 65535/.test(w)), warnings.join('\n'));
  const conf = generate(topology({}, { limits: { maxConnections: 65535 } }), { file: 't.yaml', targets: ['nginx'] }).files[0]!.text;
  assert.match(conf, /limit_conn edge_total 65535;/, 'the largest count nginx takes is still enforced');
});

test('security headers without TLS: none is sent (HTTPS responses only), and a warning says so', () => {
  const text = topology({}, { securityHeaders: { frameOptions: 'DENY', contentTypeOptions: 'nosniff' } });
  const r = generate(text, { file: 't.yaml', targets: ['nginx', 'haproxy', 'cloudformation'] });
  const warned = r.diagnostics.filter((d) => d.pointer === '/securityHeaders').map((d) => d.message);
  assert.deepEqual(warned, ['security headers are sent on HTTPS responses only, and this topology has no tls: no target sends them (add a tls block, or remove securityHeaders)']);
  const text0 = r.files.map((f) => f.text).join('\n');
  assert.doesNotMatch(text0, /X-Frame-Options|add_header|http-after-response|header_value/);
});
