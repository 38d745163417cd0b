/**
 * The HAProxy target line by line where behaviour depends on it: each fix of seed-bugs.md, route
 * scoping, escaping, decisions. Whole outputs are pinned by the golden files; haproxy -c judges
 * them in tools-haproxy.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { analyse, generate } from '../src/pipeline.js';
import type { Decision } from '../src/targets/target.js';
import { readCase } from './helpers/cases.js';
import { TLS, TWO_SERVERS, type Topology, inline } from './helpers/inline.js';

const BASE = TWO_SERVERS;

/** JSON is YAML: a topology written as an object. */
function render(t: Topology | string) {
  const text = typeof t === 'string' ? t : inline(BASE, t);
  const opts = { file: 't.yaml', targets: ['haproxy'] as const };
  const analysis = analyse(text, opts);
  const decisions: readonly Decision[] = analysis.decisions[0]!.decisions;
  return { cfg: generate(text, opts).files[0]!.text, decisions, diagnostics: analysis.diagnostics, model: analysis.model };
}
const lines = (cfg: string) => cfg.split('\n').map((l) => l.trim());
const section = (cfg: string, head: string) => {
  const all = cfg.split('\n');
  const start = all.findIndex((l) => l === head);
  assert.ok(start >= 0, `no section "${head}"`);
  const end = all.findIndex((l, i) => i > start && /^\S/.test(l));
  return all.slice(start, end < 0 ? undefined : end).map((l) => l.trim());
};

test('reference: every HAProxy fix of seed-bugs.md', () => {
  const { cfg } = render(readCase('reference'));
  assert.doesNotMatch(cfg, /SHA512/, 'no invented cipher names');
  assert.doesNotMatch(cfg, /^\s*redirect /m, 'redirect as an http-request rule, in evaluation order');
  assert.doesNotMatch(cfg, /admin if TRUE/);
  assert.doesNotMatch(cfg, /http-server-close/, 'keep-alive to backends');
  assert.doesNotMatch(cfg, /http-response /, 'http-after-response covers HAProxy\'s own responses too');
  assert.match(cfg, /^ {4}log stdout format raw local0$/m);
  assert.match(cfg, /^ {4}option redispatch 1$/m);
  // A timed-out request is not run again on another server (issue 13): the load of a slowdown would multiply.
  assert.match(cfg, /^ {4}retry-on conn-failure empty-response$/m);
  assert.match(cfg, /^ {4}http-request disable-l7-retry unless \{ method GET HEAD PUT DELETE OPTIONS TRACE \}$/m);
  assert.match(cfg, /^ {4}retries 3$/m);
  assert.match(cfg, /^ {4}default-server init-addr last,libc,none$/m);
  assert.match(cfg, /http-request deny deny_status 429 if route1 \{ sc_gpc0_rate\(1\) ge 30 \}/);
  assert.match(cfg, /http-request deny deny_status 403 if route2 !route2_allowed/);
  assert.match(cfg, /^ {4}http-request set-header X-Forwarded-Proto https if \{ ssl_fc \}$/m);
  assert.match(cfg, /^ {4}ssl-default-bind-options ssl-min-ver TLSv1\.2 no-tls-tickets$/m);
  assert.match(cfg, /bind 0\.0\.0\.0:443 ssl crt \/etc\/haproxy\/certs\/verb-app\.pem alpn h2,http\/1\.1/);
  assert.match(cfg, /bind :::443 v6only ssl crt \/etc\/haproxy\/certs\/verb-app\.pem alpn h2,http\/1\.1/);
});

test('every TLS 1.2 cipher name is one OpenSSL knows (haproxy -c accepts a list if one name is real)', (t) => {
  const { cfg } = render({ tls: TLS });
  const list = /ssl-default-bind-ciphers (\S+)/.exec(cfg)![1]!.split(':');
  if (spawnSync('openssl', ['version']).status !== 0) return t.skip('openssl is not installed');
  for (const name of list) assert.equal(spawnSync('openssl', ['ciphers', name]).status, 0, `openssl ciphers ${name}`);
});

test('http-request rules come before use_backend, and the redirect is the first http rule after the request-head limits', () => {
  const { cfg } = render(readCase('reference'));
  const fe = section(cfg, 'frontend verb-app');
  const lastHttp = fe.map((l) => l.startsWith('http-request')).lastIndexOf(true);
  assert.ok(lastHttp < fe.findIndex((l) => l.startsWith('use_backend')));
  // A request line or header over 16 KB is refused on plain HTTP too, as nginx refuses it while parsing.
  const http = fe.filter((l) => l.startsWith('http-request'));
  assert.match(http[0]!, /^http-request return status 414 .* if \{ url,length gt 16369 \}$/);
  assert.match(http[1]!, /^http-request deny deny_status 400 if \{ req\.hdrs -m reg /);
  assert.ok(http[2]!.startsWith('http-request redirect location '));
});

test('a route matches its path and what is under it, longest first, each rule scoped to its own route', () => {
  const { cfg } = render(readCase('nested-paths'));
  const fe = section(cfg, 'frontend nested');
  assert.ok(fe.includes('acl route2_path var(txn.lbgen_path) -m str /api/v1') && fe.includes('acl route2_path var(txn.lbgen_path) -m beg /api/v1/'));
  assert.ok(fe.indexOf('http-request set-var(txn.lbgen_path) path,url_dec') < fe.findIndex((l) => l.startsWith('acl route')), 'the decoded path is set before the route ACLs');
  const order = fe.filter((l) => l.startsWith('http-request set-var(txn.lbgen_route)')).map((l) => /int\((\d)\)/.exec(l)![1]);
  assert.deepEqual(order, ['3', '1', '2', '0'], '/api/v1/admin/audit, then /api/v1/admin, then /api/v1, then /api');
  // The allow-listed route and the one nested under it (which inherits the list) ignore letter case; the others do not.
  for (const [i, p] of [[3, '/api/v1/admin/audit'], [1, '/api/v1/admin']] as const) assert.ok(fe.includes(`acl route${i}_path var(txn.lbgen_path) -i -m str ${p}`), p);
  assert.ok(fe.includes('http-request deny deny_status 403 if route3 !route3_allowed4 || route3 { src 2002::/16 ::/96 }'), 'the nested route refuses outside its inherited list');
  const scoped = fe.filter((x) => /track-sc1|sc-inc-gpc0|deny_status (403|429)/.test(x));
  assert.ok(scoped.length >= 4, `the case's rate limits and allow-lists are there: ${scoped.join(' | ')}`);
  for (const l of scoped) assert.match(l, / if route\d/, l);
  assert.ok(fe.includes('http-request deny deny_status 404 unless routed'), 'no "/" route: 404');
  assert.ok(!render({}).cfg.includes('deny_status 404'), 'a "/" route catches everything');
});

test('a route with both a rate limit and allowFrom: 429 is decided before 403, as nginx and the ALB decide', () => {
  const { cfg } = render({ routes: [{ path: '/', pool: 'web', allowFrom: ['10.0.0.0/8'], rateLimit: { perSecond: 5, burst: 5 } }] });
  const fe = section(cfg, 'frontend app');
  const at = (re: RegExp) => fe.findIndex((l) => re.test(l));
  assert.ok(at(/deny_status 429/) >= 0 && at(/deny_status 403/) >= 0, fe.join('\n'));
  assert.ok(at(/track-sc1/) < at(/deny_status 429/) && at(/deny_status 429/) < at(/deny_status 403/), fe.join('\n'));
});

test('redirect: a Location without the Host\'s port, with the HTTPS port unless 443', () => {
  assert.match(render({ tls: TLS }).cfg, /http-request redirect location 'https:\/\/%\[req\.hdr\(host\),regsub\(:\[0-9\]\+\$,\)\]%\[pathq\]' code 301 unless \{ ssl_fc \}/);
  assert.doesNotMatch(render({ tls: TLS }).cfg, /redirect scheme/, 'scheme https would keep a Host port of 80');
  const odd = render({ tls: TLS, listen: { http: 8080, https: 8443 } }).cfg;
  assert.match(odd, /redirect location 'https:\/\/%\[req\.hdr\(host\),regsub\(:\[0-9\]\+\$,\)\]:8443%\[pathq\]' code 301 unless \{ ssl_fc \}/);
  const http8080 = render({ tls: TLS, listen: { http: 8080 } }).cfg;
  assert.match(http8080, /location 'https:\/\/%\[req\.hdr\(host\),regsub\(:\[0-9\]\+\$,\)\]%\[pathq\]'/);
  assert.doesNotMatch(render({ tls: TLS, listen: { redirectToHttps: false } }).cfg, /redirect/);
});

test('a request without Host goes to the first domain that is not a wildcard, on both proxies, or gets 400', () => {
  const nginxConf = (t: Topology) => generate(JSON.stringify({ ...BASE, tls: TLS, ...t }), { file: 't.yaml', targets: ['nginx'] }).files[0]!.text;
  const noHost = "if !{ ssl_fc } !{ req.hdr(host) -m len 1: }";
  const wild = render({ tls: TLS, listen: { https: 8443 }, domains: ['*.tenants.example.com', 'api.example.com'] });
  const fe = section(wild.cfg, 'frontend app');
  const at = fe.indexOf(`http-request redirect location 'https://api.example.com:8443%[pathq]' code 301 ${noHost}`);
  assert.ok(at >= 0 && fe[at + 1]!.startsWith('http-request redirect location \'https://%[req.hdr(host)'), fe.join('\n'));
  assert.match(wild.decisions.find((d) => d.feature === 'redirect')!.note, /without Host \(HTTP\/1\.0\) goes to api\.example\.com/);
  assert.match(nginxConf({ listen: { https: 8443 }, domains: ['*.tenants.example.com', 'api.example.com'] }), /if \(\$http_host = ""\) \{\n\s+return 301 https:\/\/api\.example\.com:8443\$request_uri;\n\s+\}\n\s+return 301 https:\/\/\$host:8443\$request_uri;/);
  for (const domains of [[], ['*.tenants.example.com']]) {
    assert.ok(lines(render({ tls: TLS, domains }).cfg).includes(`http-request deny deny_status 400 ${noHost}`), `domains ${JSON.stringify(domains)}`);
    assert.match(nginxConf({ domains }), /if \(\$http_host = ""\) \{\n\s+return 400;/, `domains ${JSON.stringify(domains)}`);
  }
  // $host already falls back to a concrete first server_name: nginx needs nothing more.
  assert.doesNotMatch(nginxConf({ domains: ['api.example.com', '*.tenants.example.com'] }), /\$http_host = ""/);
});

test('the query is set aside while the path is normalised, then put back as sent', () => {
  const fe = section(render({}).cfg, 'frontend app');
  const at = (l: string) => fe.indexOf(l);
  const aside = at('http-request set-pathq %[path] if { var(txn.lbgen_query) -m found }');
  const back = at('http-request set-query %[var(txn.lbgen_query)] if { var(txn.lbgen_query) -m found }');
  assert.ok(at('http-request normalize-uri fragment-strip') < at('http-request set-var(txn.lbgen_query) query if { query -m len 1: }'), 'the fragment is gone before the query is read');
  const normalizers = fe.flatMap((l, i) => (l.startsWith('http-request normalize-uri ') && !l.endsWith('fragment-strip') ? [i] : []));
  assert.equal(normalizers.length, 4);
  assert.ok(aside >= 0 && normalizers.every((i) => aside < i && i < back), fe.join('\n'));
  assert.ok(back < at('http-request set-var(txn.lbgen_path) path,url_dec'));
});

test('security headers: escaped for log-format, only over HTTPS, on every response', () => {
  const { cfg } = render(readCase('security-headers'));
  const headers = lines(cfg).filter((l) => l.includes('set-header') && !l.includes('X-Forwarded-Proto') && !l.includes('X-Real-IP'));
  assert.equal(headers.length, 6);
  for (const l of headers) assert.match(l, /^http-after-response set-header \S+ .+ if \{ ssl_fc \}$/);
  assert.ok(headers.includes(`http-after-response set-header Content-Security-Policy 'default-src '\\''self'\\''; img-src '\\''self'\\'' data:; style-src '\\''self'\\'' '\\''unsafe-inline'\\'' 100%%' if { ssl_fc }`));
  assert.ok(headers.includes("http-after-response set-header Strict-Transport-Security max-age=31536000 if { ssl_fc }"));
});

test('stats: the password only as "${VAR}", fail closed when unset or empty, admin only for the login', () => {
  const { cfg } = render(readCase('haproxy-admin'));
  assert.match(cfg, /^\.if !defined\(OPS_STATS_PW\)\n {4}\.alert "OPS_STATS_PW is not set[^"]*"\n\.endif$/m);
  const st = section(cfg, 'listen ops.stats');
  assert.ok(st.includes('bind 192.0.2.10:9000'), 'binds to listen.address');
  assert.ok(st.includes('http-request return status 403 content-type text/plain string "OPS_STATS_PW is empty: the stats page is closed" if { env(OPS_STATS_PW) -m len 0 }'));
  assert.ok(st.includes('stats auth ops.admin:"${OPS_STATS_PW}"'));
  assert.ok(st.includes('stats admin if { http_auth(ops.stats) }'));
  assert.ok(section(cfg, 'userlist ops.stats').includes('user ops.admin insecure-password "${OPS_STATS_PW}"'));
});

test('limits: maxconn, per-client connections, per-server maxconn with a queue timeout', () => {
  const { cfg } = render(readCase('haproxy-admin'));
  assert.match(cfg, /^global\n {4}maxconn 1000$/m);
  const fe = section(cfg, 'frontend ops');
  assert.ok(fe.includes('tcp-request connection track-sc0 src,ipmask(32,64) table ops.perclient'), 'an IPv6 client per /64');
  assert.ok(fe.includes('tcp-request connection reject if { sc0_conn_cur gt 8 }'));
  assert.match(cfg, /timeout queue 2s/);
  assert.ok(section(cfg, 'backend ops_web').includes('server s2 10.9.0.2:8000 weight 2 maxconn 50'));
  assert.ok(section(cfg, 'backend ops_web').includes('option http-server-close'), 'keepalive: 0');
  assert.ok(!section(cfg, 'backend ops_spare').includes('option http-server-close'));
});

test('metrics: the Prometheus exporter behind an allow-list split into lines of at most 16', () => {
  const { cfg } = render(readCase('haproxy-admin'));
  const m = section(cfg, 'frontend ops.metrics');
  const acls = m.filter((l) => l.startsWith('acl metrics_allowed'));
  assert.deepEqual(acls.map((l) => [l.split(' ')[1], l.split(' ').length - 3]), [['metrics_allowed6', 1], ['metrics_allowed4', 16], ['metrics_allowed4', 1]]);
  assert.ok(m.includes('http-request use-service prometheus-exporter if { path /metrics }'));
  // An IPv4 network must not admit the 6to4 and IPv4-compatible addresses that embed it (e2e check 6b).
  const deny = 'http-request deny deny_status 403 if !metrics_allowed6 !metrics_allowed4 || !metrics_allowed6 { src 2002::/16 ::/96 }';
  assert.ok(m.includes(deny), m.join('\n'));
  assert.ok(m.indexOf(deny) < m.indexOf('http-request use-service prometheus-exporter if { path /metrics }'));
});
