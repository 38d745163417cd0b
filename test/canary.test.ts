/**
 * Issue 17's route fields in the pipeline: the checks on canary.pool and the new durations, what
 * the model makes of them, and the ALB's WAF regex for a declared Content-Length. The behaviour on
 * the real proxies is test/e2e-canary.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LbgenError } from '../src/diagnostics.js';
import { parseSize } from '../src/model/normalise.js';
import { analyse, generate } from '../src/pipeline.js';
import { aboveRegex } from '../src/targets/cloudformation/waf.js';

const topology = (route: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools: { 'app-v1': { servers: ['s1'] }, 'app-v2': { servers: ['s2'] } },
  routes: [{ path: '/', pool: 'app-v1', ...route }],
  ...extra,
});

const problems = (route: Record<string, unknown>, severity: 'error' | 'warning' = 'error'): string[] => {
  try {
    return analyse(topology(route), { file: 't.yaml', targets: ['nginx'] }).diagnostics.filter((d) => d.severity === severity).map((d) => `${d.path}: ${d.message}${d.suggestion ? ` (${d.suggestion})` : ''}`);
  } catch (e) {
    if (e instanceof LbgenError) return e.diagnostics.filter((d) => d.severity === severity).map((d) => `${d.path}: ${d.message}${d.suggestion ? ` (${d.suggestion})` : ''}`);
    throw e;
  }
};

test('canary.pool must name another pool, with a did-you-mean for a mistyped one', () => {
  assert.deepEqual(problems({ canary: { pool: 'app-v3', weight: 10 } }), ['routes[0].canary.pool: no pool named "app-v3" (did you mean "app-v1"?)']);
  assert.deepEqual(problems({ canary: { pool: 'app-v1', weight: 10 } }), ['routes[0].canary.pool: the route\'s own pool "app-v1": a canary sends a share of clients to another pool (name the pool of the new release)']);
});

test('a pool used only as a canary is used; the schema bounds the weight and the names', () => {
  assert.deepEqual(problems({ canary: { pool: 'app-v2', weight: 10 } }, 'warning').filter((p) => p.includes('not used')), []);
  assert.equal(problems({ canary: { pool: 'app-v2', weight: 101 } }).length, 1);
  assert.equal(problems({ canary: { pool: 'app-v2', weight: 10, header: 'X_Canary' } }).length, 1);
  assert.equal(problems({ canary: { pool: 'app-v2' } }).length, 1);
  assert.equal(problems({ maxBodySize: '10mb' }).length, 1);
  assert.equal(problems({ maxBodySize: '0' }).length, 1);
});

test('canary.ttl lasts at most 7 days (the ALB\'s group stickiness); route timeouts at most 24 days; a tunnel timeout off a WebSocket route is a warning', () => {
  assert.deepEqual(problems({ canary: { pool: 'app-v2', weight: 10, ttl: '8d' } }), ['routes[0].canary.ttl: must be at most 7d (the ALB keeps a client in its target group at most 7 days; got 8d)']);
  assert.deepEqual(problems({ canary: { pool: 'app-v2', weight: 10, ttl: 0 } }), ['routes[0].canary.ttl: must be more than 0']);
  assert.equal(problems({ timeouts: { server: '25d' } }).length, 1);
  assert.deepEqual(problems({ timeouts: { tunnel: '2h' } }, 'warning').filter((p) => p.startsWith('routes[0].timeouts')), ['routes[0].timeouts.tunnel: ignored: the tunnel timeout applies to WebSocket tunnels, and this route has no websocket: true']);
});

test('the model merges a route\'s timeouts over its pool\'s and fills the canary\'s defaults', () => {
  const { model } = analyse(topology({ canary: { pool: 'app-v2', weight: 25 }, timeouts: { server: '2m' }, maxBodySize: '10m', buffering: false }), { file: 't.yaml', targets: [] });
  const r = model.routes[0]!;
  assert.deepEqual(r.timeouts, { pointer: '/routes/0/timeouts', server: 120_000, tunnel: 3_600_000, ownServer: true, ownTunnel: false });
  assert.deepEqual({ ...r.canary!, pool: r.canary!.pool.id }, { pointer: '/routes/0/canary', pool: 'app-v2', weight: 25, header: null, cookie: 'lbgen_canary', ttl: 86_400_000 });
  assert.deepEqual(r.maxBodySize, { pointer: '/routes/0/maxBodySize', bytes: 10 * 1024 * 1024, text: '10m' });
  assert.equal(r.buffering, false);
  assert.equal(model.pools.find((p) => p.id === 'app-v2')!.used, true);
});

test('sizes are 1024-based, as nginx reads them', () => {
  assert.equal(parseSize('512'), 512);
  assert.equal(parseSize('4k'), 4096);
  assert.equal(parseSize('1m'), 1_048_576);
  assert.equal(parseSize('2g'), 2 * 1024 ** 3);
});

test('the WAF regex matches exactly the declared lengths above the limit', () => {
  for (const n of [1, 9, 10, 99, 100, 8193, 10_485_760, 1_073_741_824, 999_999]) {
    const re = new RegExp(aboveRegex(n));
    for (let v = Math.max(0, n - 30); v <= n + 30; v++) assert.equal(re.test(String(v)), v > n, `${v} against ${n}`);
    for (const v of [0, n * 10, n * 10 + 7, 10 ** String(n).length, 10 ** String(n).length - 1]) assert.equal(re.test(String(v)), v > n, `${v} against ${n}`);
    assert.equal(re.test(`00${n + 1}`), true, 'leading zeros');
    assert.equal(re.test(`${n}x`), false);
  }
});

test('a canary renders on every target; the ALB gets weighted forwards and forcing rules, and a body limit only with aws.waf', () => {
  const text = topology({ canary: { pool: 'app-v2', weight: 10, header: 'X-Canary' }, maxBodySize: '1m' });
  const files = Object.fromEntries(generate(text, { file: 't.yaml', targets: ['nginx', 'haproxy', 'cloudformation'] }).files.map((f) => [f.path, f.text]));
  assert.match(files['nginx.conf']!, /split_clients "\$remote_addr" \$lbgen_canary_split_0 \{\n\s+10% always;/);
  assert.match(files['haproxy.cfg']!, /use_backend app_app-v2 if route0 \{ var\(txn\.lbgen_canary\) -m str always \}\n\s+use_backend app_app-v1 if route0\n/);
  const cfn = files['cloudformation-alb.yaml']!;
  assert.match(cfn, /TargetGroupStickinessConfig:\n\s+Enabled: true\n\s+DurationSeconds: 86400/);
  assert.equal((cfn.match(/Field: http-header/g) ?? []).length, 4, 'X-Canary always/never and the cookie always/never');
  assert.doesNotMatch(cfn, /body-size/);
  const waf = generate(topology({ maxBodySize: '1m' }, { aws: { waf: true } }), { file: 't.yaml', targets: ['cloudformation'] }).files[0]!.text;
  assert.match(waf, /Name: "route0-body-size"[^]*RegexMatchStatement/);
});

/** The top-level routes "/" and "/x" (serials 0, 1), then site api's "/" and "/v1" (serials 2, 3). */
const inSite = (v1: Record<string, unknown>) => JSON.stringify({
  version: 1,
  name: 'app',
  domains: ['www.example.com'],
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools: { 'app-v1': { servers: ['s1'] }, 'app-v2': { servers: ['s2'] } },
  routes: [{ path: '/', pool: 'app-v1' }, { path: '/x', pool: 'app-v1' }],
  sites: { api: { domains: ['api.example.com'], routes: [{ path: '/', pool: 'app-v1' }, { path: '/v1', pool: 'app-v1', ...v1 }] } },
});

test('a canary route inside a site renders on the three targets, named by its serial and held to its site\'s host', () => {
  const text = inSite({ allowFrom: ['10.0.0.0/8'], canary: { pool: 'app-v2', weight: 10, header: 'X-Canary' }, timeouts: { server: '2m' } });
  const r = generate(text, { file: 't.yaml', targets: ['nginx', 'haproxy', 'cloudformation'] });
  const files = Object.fromEntries(r.files.map((f) => [f.path, f.text]));
  const nginx = files['nginx.conf']!;
  assert.match(nginx, /# sites\.api\.routes\[1\] \/v1: canary pool app-v2, 10% of new clients\n\s+split_clients "\$remote_addr" \$lbgen_canary_split_3 \{\n\s+10% always;/);
  // Only site api's servers add the canary's cookie; the location proxies to the side the map picked.
  const api = nginx.split(/\n    server \{/).filter((s) => s.includes('server_name api.example.com'));
  assert.equal(api.length, 1);
  assert.match(api[0]!, /set \$lbgen_canary_cookie \$lbgen_canary_set_3;\n\s+proxy_pass http:\/\/\$lbgen_canary_pool_3;/);
  assert.equal((nginx.match(/add_header Set-Cookie \$lbgen_canary_cookie;/g) ?? []).length, 1);
  const haproxy = files['haproxy.cfg']!;
  assert.match(haproxy, /set-var\(txn\.lbgen_route\) int\(3\) if !routed \{ var\(txn\.lbgen_site\) -m int 1 \} route3_path/);
  assert.match(haproxy, /set-var\(txn\.lbgen_canary\) str\(always\) if route3 \{ req\.hdr\(x-canary\) -i always \}/);
  assert.match(haproxy, /use_backend app_app-v2 if route3 \{ var\(txn\.lbgen_canary\) -m str always \}\n\s+use_backend app_app-v1 if route3\n/);
  assert.match(haproxy, /set-timeout server 2m if \{ var\(txn\.lbgen_route\) -m int 3 \}/);
  // The ALB: every forcing rule and the weighted forward carry the site's host, within 5 condition values a rule.
  const cfn = files['cloudformation-alb.yaml']!;
  const rules = cfn.split(/\n(?=  # )/).filter((b) => b.includes('Type: AWS::ElasticLoadBalancingV2::ListenerRule') && b.includes('"/v1/*"'));
  const forcing = rules.filter((b) => b.includes('Field: http-header'));
  assert.equal(forcing.length, 6, 'X-Canary always/never, and each cookie value (2 patterns) split to leave room for the host and a source');
  for (const b of rules) {
    assert.match(b, /Field: host-header\n\s+HostHeaderConfig:\n\s+Values:\n\s+- "api\.example\.com"\n/);
    const values = b.slice(b.indexOf('Conditions:'), b.indexOf('Actions:')).match(/^ {14}- /gm) ?? [];
    assert.ok(values.length >= 3 && values.length <= 5, `a host, two paths, at most 5 condition values a rule:\n${b}`);
  }
  assert.ok(rules.some((b) => /ForwardConfig:[^]*TargetGroupStickinessConfig:\n\s+Enabled: true/.test(b) && b.includes('SourceIpConfig')), 'the weighted forward, for the allowed sources');
});

test('a site route\'s missing canary pool is an error at /sites/<id>/routes/<i>/canary/pool', () => {
  try {
    generate(inSite({ canary: { pool: 'app-v3', weight: 10 } }), { file: 't.yaml', targets: ['nginx'] });
    assert.fail('the topology was accepted');
  } catch (e) {
    if (!(e instanceof LbgenError)) throw e;
    assert.deepEqual(e.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.pointer, d.message, d.suggestion]), [
      ['/sites/api/routes/1/canary/pool', 'no pool named "app-v3"', 'did you mean "app-v1"?'],
    ]);
  }
});
