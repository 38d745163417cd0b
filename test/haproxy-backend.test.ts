/** The HAProxy target's backends, binds, decisions and refusals (haproxy.test.ts has the frontend). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse, generate } from '../src/pipeline.js';
import { RenderError } from '../src/render/escape.js';
import { haproxy } from '../src/targets/haproxy/build.js';
import { readCase } from './helpers/cases.js';
import { TLS, TWO_SERVERS, type Topology, inline } from './helpers/inline.js';

const BASE = TWO_SERVERS;

function render(t: Topology | string) {
  const text = typeof t === 'string' ? t : inline(BASE, t);
  const opts = { file: 't.yaml', targets: ['haproxy'] as const };
  const analysis = analyse(text, opts);
  return { cfg: generate(text, opts).files[0]!.text, decisions: analysis.decisions[0]!.decisions, diagnostics: analysis.diagnostics, model: analysis.model };
}
const backend = (cfg: string, name: string) => {
  const all = cfg.split('\n');
  const start = all.indexOf(`backend ${name}`);
  assert.ok(start >= 0, `no backend ${name}`);
  const end = all.findIndex((l, i) => i > start && /^\S/.test(l));
  return all.slice(start, end < 0 ? undefined : end).map((l) => l.trim());
};
const pool = (p: Topology) => render({ pools: { web: { servers: ['s1', 's2'], ...p } } }).cfg;

test('balance and stickiness: cookie insert with a value per server, app cookie by server id or learnt, source address', () => {
  const cookie = backend(render(readCase('cookie-sticky')).cfg, 'cart_app');
  assert.ok(cookie.includes('balance leastconn'));
  assert.ok(cookie.includes('cookie cart_srv insert indirect nocache httponly secure maxlife 2h attr Max-Age=7200'));
  assert.ok(cookie.includes('server a 10.1.0.1:8000 cookie a'));
  // sticky.value: server-id: the value names the server, so nothing is learnt (a reload loses nothing).
  const app = backend(render(readCase('app-cookie')).cfg, 'verb-ws_realtime');
  assert.deepEqual(app.filter((l) => /^\s*(use-server|stick)/.test(l)).map((l) => l.trim()), ['use-server app1 if { req.cook(verb-server-id) -m str app1 }', 'use-server app2 if { req.cook(verb-server-id) -m str app2 }']);
  // An opaque value is learnt from the answer that issued it.
  const opaque = backend(pool({ sticky: { by: 'cookie', cookie: 'sid', setBy: 'application' } }), 'app_web');
  assert.ok(opaque.includes('stick-table type string len 128 size 1m expire 1d') && opaque.includes('stick on req.cook(sid)') && opaque.includes('stick store-response res.cook(sid)'));
  assert.ok(!opaque.some((l) => l.includes('use-server')));
  // A new client by a hash of its address (a reload empties the table, the hash gives the server back), the table on top.
  const ip = backend(pool({ balance: 'least-connections', sticky: { by: 'source-ip', ttl: '30m' } }), 'app_web');
  assert.ok(ip.includes('balance source') && ip.includes('hash-type consistent') && !ip.includes('balance leastconn'));
  assert.ok(ip.includes('stick-table type ipv6 size 1m expire 30m') && ip.includes('stick on src'));
  const said = render({ pools: { web: { servers: ['s1', 's2'], balance: 'least-connections', sticky: { by: 'source-ip' } } } }).diagnostics;
  assert.ok(said.some((d) => d.path === 'pools.web.balance' && /places a new client of pool "web" by a consistent hash of its address, not by least connections/.test(d.message)), said.map((d) => d.message).join('\n'));
  const hash = backend(pool({ balance: 'source-ip-hash' }), 'app_web');
  assert.ok(hash.includes('balance source') && hash.includes('hash-type consistent'));
  assert.ok(!backend(pool({ sticky: { by: 'cookie' } }), 'app_web').some((l) => l.includes(' secure')), 'no Secure cookie without HTTPS');
});

test('health checks: active with exact status or range, passive everywhere (a TCP check returns the server)', () => {
  const range = backend(render(readCase('expect-range')).cfg, 'ranges_main');
  for (const l of ['option httpchk', 'http-check send meth GET uri /ready ver HTTP/1.1 hdr Host 10.4.0.1', 'http-check expect status 200-399', 'timeout check 1s']) assert.ok(range.includes(l), l);
  assert.ok(range.includes('default-server check inter 2s rise 2 fall 3 observe layer4 error-limit 3 on-error mark-down'));
  const passive = backend(pool({ passive: { maxFails: 5, failTimeout: '20s' } }), 'app_web');
  assert.ok(!passive.includes('option httpchk'));
  assert.ok(passive.includes('default-server check inter 2s downinter 20s rise 1 observe layer4 error-limit 5 on-error mark-down'));
});

test('the health check never sends a wildcard Host: healthCheck.host, else the first concrete domain, else the first server; explain says which', () => {
  const sent = (t: Topology) => {
    const r = render(t);
    const line = backend(r.cfg, 'app_web').find((l) => l.startsWith('http-check send'))!;
    const note = r.decisions.find((d) => d.feature === 'activeHealthCheck')!.note;
    return { host: / hdr Host (\S+)$/.exec(line)![1], note };
  };
  const hc = { path: '/health' };
  const wild = sent({ domains: ['*.tenants.example.com', 'api.example.com'], pools: { web: { servers: ['s1', 's2'], healthCheck: hc } } });
  assert.equal(wild.host, 'api.example.com');
  assert.match(wild.note, /sends Host: api\.example\.com \(the first of domains that is not a wildcard\)/);
  const none = sent({ domains: ['*.tenants.example.com'], pools: { web: { servers: ['s2', 's1'], healthCheck: hc } } });
  assert.equal(none.host, '10.0.0.2', "no concrete domain: the pool's first server's address");
  assert.match(none.note, /sends Host: 10\.0\.0\.2 \(the pool's first server's address: .*set healthCheck\.host\)/);
  const given = sent({ domains: ['*.tenants.example.com', 'api.example.com'], pools: { web: { servers: ['s1', 's2'], healthCheck: { ...hc, host: 'health.internal' } } } });
  assert.equal(given.host, 'health.internal');
  assert.match(given.note, /sends Host: health\.internal \(healthCheck\.host\)/);
  // The schema refuses a wildcard (or anything but a host name) where domains take one.
  assert.throws(() => render({ pools: { web: { servers: ['s1'], healthCheck: { ...hc, host: '*.example.com' } } } }), /pools\.web\.healthCheck\.host: must be a host name such as api\.example\.com \(no wildcard\) \(got "\*\.example\.com"\)/);
});

test('timeouts: pool connect/server, tunnel only where WebSocket routes go; weights and backups', () => {
  const { cfg } = render(readCase('reference'));
  assert.ok(backend(cfg, 'verb-app_websocket').includes('timeout tunnel 1h'));
  assert.ok(!backend(cfg, 'verb-app_http').some((l) => l.startsWith('timeout tunnel')));
  assert.ok(backend(cfg, 'verb-app_api').includes('timeout server 30s'));
  const w = backend(render(readCase('weights-backups')).cfg, 'weighted_pinned');
  assert.ok(w.includes('server big 10.3.0.1:9000 weight 5') && w.includes('server spare 10.3.0.3:9000 backup'));
});

test('binds: every address (dual stack) by default, else listen.address; IPv6 in brackets', () => {
  const dual = render({ tls: TLS }).cfg;
  assert.match(dual, /^ {4}bind 0\.0\.0\.0:80\n {4}bind :::80 v6only$/m, 'one socket per family: IPv4 clients keep their plain address');
  assert.doesNotMatch(dual, /v4v6/);
  const six = render(readCase('ipv6-backends')).cfg;
  assert.match(six, /^ {4}bind \[::1\]:8080$/m);
  assert.match(six, /^ {4}server v6b \[2001:db8::11\]:8080 weight 3$/m);
  assert.match(six, /acl route0_allowed6 src 2001:db8::\/32 ::1\/128/);
  assert.match(six, /http-request deny deny_status 403 if route0 !route0_allowed6$/m, 'IPv6 networks only: no embedded-IPv4 clause');
  assert.match(render({ listen: { address: '::', http: 8080 } }).cfg, /^ {4}bind \[::\]:8080 v6only$/m, 'the IPv6 wildcard is IPv6 only, as nginx\'s [::]:8080');
});

test('decisions: native but for the rate limit and a defaulted bundle, each with a precise note', () => {
  const ref = render(readCase('reference'));
  const off = ref.decisions.filter((d) => d.outcome !== 'native');
  assert.deepEqual(off.map((d) => [d.feature, d.pointer]), [['rateLimit', '/routes/1/rateLimit']]);
  assert.match(off[0]!.note, /at most 30 requests per client address in any 1 s window.*keep up 30\/s rather than 10\/s/);
  assert.deepEqual(ref.diagnostics.filter((d) => d.target === 'haproxy').map((d) => d.path), ['routes[1].rateLimit']);
  const bundle = render({ tls: { certificate: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem' } });
  const tls = bundle.decisions.find((d) => d.feature === 'tls')!;
  assert.equal(tls.outcome, 'approximated');
  assert.match(tls.note, /\/etc\/ssl\/c\.pem\.key/);
  assert.match(bundle.cfg, /ssl crt \/etc\/ssl\/c\.pem/);
  const zero = render({ routes: [{ path: '/', pool: 'web', rateLimit: { perSecond: 4 } }] }).decisions.find((d) => d.feature === 'rateLimit')!;
  assert.match(zero.note, /at most 4 requests.*1\/4 s apart/);
});

test('haproxy.version older than 2.6 is an error; newer ones render the same keywords', () => {
  assert.throws(() => render({ haproxy: { version: '2.4' } }), /haproxy\.version 2\.4: .*needs HAProxy 2\.6 or later/);
  const a = render({ haproxy: { version: '3.0' } }).cfg;
  assert.equal(a.replace('HAProxy >= 3.0', 'HAProxy >= 2.6'), render({}).cfg);
});

test('the second guard: what the schema forbids is refused, not written', () => {
  const { model } = render({ pools: { web: { servers: ['s1'], sticky: { by: 'cookie', cookie: 'ok', setBy: 'application' } } }, stats: { port: 8404, user: 'u', passwordEnv: 'PW' } });
  const p = model.pools[0]!;
  const badCookie = { ...model, pools: [{ ...p, sticky: { ...p.sticky!, cookie: 'a),src(' } }] };
  assert.throws(() => haproxy.build(badCookie), RenderError);
  assert.throws(() => haproxy.build({ ...model, stats: { ...model.stats!, passwordEnv: 'A}B' } }), RenderError);
  const badPath = { ...model, routes: [{ ...model.routes[0]!, path: '/a\nb' }] };
  assert.throws(() => haproxy.build(badPath), RenderError);
  // A quote in a path stays inside one argument.
  const quoted = haproxy.build({ ...model, routes: [{ ...model.routes[0]!, path: "/it's" }] }).view;
  assert.deepEqual(quoted.frontend.routes[0]!.paths, ["var(txn.lbgen_path) -m str '/it'\\''s'", "var(txn.lbgen_path) -m beg '/it'\\''s/'"]);
});

test('deterministic: the same topology renders the same bytes', () => {
  const text = readCase('reference');
  assert.equal(render(text).cfg, render(text).cfg);
});

test('alerting rules without the metrics endpoint they read: a warning', () => {
  const warned = (extra: Record<string, unknown>) => render(extra as Topology).diagnostics.filter((d) => d.pointer === '/monitoring/alerts').map((d) => d.message);
  assert.match(warned({ monitoring: { alerts: { errorRatePercent: 5 } } })[0] ?? '', /nothing serves them \(add monitoring\.metrics\)/);
  assert.deepEqual(warned({ monitoring: { alerts: { errorRatePercent: 5 }, metrics: { port: 9101 } } }), []);
});
