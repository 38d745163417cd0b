/**
 * Sites (issue 17, items 1 and 2) in the rendered text and the diagnostics: the checks at their
 * places (/sites/<id>/...), each target's host routing and certificates, the ALB's quota error
 * naming the sites, and explain's decisions per site. Behaviour is in test/e2e-sites.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LbgenError, type LocatedDiagnostic } from '../src/diagnostics.js';
import { explainRows } from '../src/cli/explain.js';
import { analyse, generate } from '../src/pipeline.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { readCase } from './helpers/cases.js';

const base = (over: Record<string, unknown> = {}) => ({
  version: 1,
  name: 'app',
  domains: ['www.example.com'],
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools: { web: { servers: ['s1'] }, api: { servers: ['s2'] } },
  routes: [{ path: '/', pool: 'web' }],
  sites: { api: { domains: ['api.example.com'], routes: [{ path: '/', pool: 'api' }] } },
  ...over,
});

function refused(doc: object): LocatedDiagnostic[] {
  try {
    generate(JSON.stringify(doc), { file: 't.yaml', targets: TARGET_NAMES });
  } catch (e) {
    if (e instanceof LbgenError) return e.diagnostics.filter((d) => d.severity === 'error');
    throw e;
  }
  assert.fail('the topology was accepted');
}

function files(doc: object) {
  const r = generate(JSON.stringify(doc), { file: 't.yaml', targets: TARGET_NAMES });
  const file = (name: string) => r.files.find((f) => f.path === name)!.text;
  return { nginx: file('nginx.conf'), haproxy: file('haproxy.cfg'), alb: file('cloudformation-alb.yaml'), diagnostics: r.diagnostics };
}

test('a domain claimed by two sites (letter case aside) is an error at the second place', () => {
  const errors = refused(base({ sites: {
    api: { domains: ['api.example.com'], routes: [{ path: '/', pool: 'api' }] },
    beta: { domains: ['other.example.com', 'API.example.com'], routes: [{ path: '/', pool: 'api' }] },
    www: { domains: ['WWW.example.com'], routes: [{ path: '/', pool: 'web' }] },
  } }));
  assert.deepEqual(errors.map((d) => [d.pointer, d.message]), [
    ['/sites/beta/domains/1', '"API.example.com" is already a domain of site api: each domain belongs to one site'],
    ['/sites/www/domains/0', '"WWW.example.com" is already a domain of the default site (domains): each domain belongs to one site'],
  ]);
});

test('the reference checks apply per site, at /sites/<id>/routes/<i>', () => {
  const errors = refused(base({ sites: { api: { domains: ['api.example.com'], routes: [
    { path: '/', pool: 'apj' },
    { path: '/x', pool: 'api' },
    { path: '/x', pool: 'api' },
    { path: '/Admin', pool: 'api', allowFrom: ['10.0.0.0/8'] },
    { path: '/admin', pool: 'api' },
  ] } } }));
  assert.deepEqual(errors.map((d) => d.pointer), ['/sites/api/routes/0/pool', '/sites/api/routes/2/path', '/sites/api/routes/4/path']);
  assert.match(errors[0]!.message, /no pool named "apj"/);
  assert.match(errors[1]!.message, /the same path as sites\.api\.routes\[1\]/);
  assert.match(errors[2]!.message, /differs from sites\.api\.routes\[3\]\.path "\/Admin" only in letter case/);
  // The same path in two sites is no clash.
  assert.doesNotThrow(() => files(base({ sites: { api: { domains: ['api.example.com'], routes: [{ path: '/', pool: 'api' }] }, b: { domains: ['b.example.com'], routes: [{ path: '/', pool: 'api' }] } } })));
});

test('a site certificate without the top-level tls, strictHost without domains, a bad CIDR in a site: errors at their places', () => {
  const tls = { certificate: '/c.pem', key: '/k.pem' };
  assert.deepEqual(refused(base({ sites: { api: { domains: ['api.example.com'], tls, routes: [{ path: '/', pool: 'api' }] } } })).map((d) => d.pointer), ['/sites/api/tls']);
  assert.deepEqual(refused(base({ domains: [], strictHost: true })).map((d) => d.pointer), ['/strictHost']);
  assert.deepEqual(refused(base({ sites: { api: { domains: ['api.example.com'], routes: [{ path: '/', pool: 'api', allowFrom: ['10.0.0.300/8'] }] } } })).map((d) => d.pointer), ['/sites/api/routes/0/allowFrom/0']);
});

test('nginx: a server pair per site; the default site is default_server, or with strictHost a block that returns 421', () => {
  const plain = files(base()).nginx;
  assert.match(plain, /listen 80 default_server;\n\s+listen \[::\]:80 default_server;\n\s+server_name www\.example\.com;/);
  assert.match(plain, /listen 80;\n\s+listen \[::\]:80;\n\s+server_name api\.example\.com;/);
  const strict = files(base({ strictHost: true })).nginx;
  assert.equal((strict.match(/default_server/g) ?? []).length, 2, 'only the refusing server is the default');
  assert.match(strict, /listen 80 default_server;\n\s+listen \[::\]:80 default_server;\n(\s+limit_conn .*\n)*\s+# strictHost.*\n\s+return 421;/);
  // Without sites or strictHost, nothing changes: no default_server at all.
  assert.doesNotMatch(files(base({ sites: undefined })).nginx, /default_server/);
});

test('haproxy: the site from Host before the path rules, exact names before the longest wildcard; one crt per site, the default first', () => {
  const haproxy = generate(readCase('sites'), { file: 'sites.yaml', targets: ['haproxy'] }).files.find((f) => f.path === 'haproxy.cfg')!.text;
  const hosts = haproxy.split('\n').filter((l) => /set-var\(txn\.lbgen_site\)|status 421/.test(l)).map((l) => l.trim());
  assert.deepEqual(hosts.map((l) => /int\((\d)\)|status 421/.exec(l)![0]), ['int(0)', 'int(1)', 'int(2)', 'status 421']);
  assert.match(hosts[2]!, /-m end \.tenants\.example\.com/);
  assert.match(haproxy, /bind 0\.0\.0\.0:443 ssl crt \/etc\/haproxy\/certs\/shop\.pem crt \/etc\/haproxy\/certs\/admin\.pem crt \/etc\/haproxy\/certs\/tenants\.pem alpn/);
  assert.ok(haproxy.indexOf('lbgen_site') < haproxy.indexOf('http-request redirect'), 'the site (and the 421) come before the redirect');
});

test('ALB: host-header conditions, a ListenerCertificate per site certificate, 421 as the default action with strictHost', () => {
  const alb = generate(readCase('sites'), { file: 'sites.yaml', targets: ['cloudformation'] }).files[0]!.text;
  assert.match(alb, /CertificateAdmin:\n\s+Type: AWS::ElasticLoadBalancingV2::ListenerCertificate\n\s+Properties:\n\s+ListenerArn: !Ref HttpsListener\n\s+Certificates:\n\s+- CertificateArn: !Ref CertificateArnAdmin/);
  assert.match(alb, /CertificateTenants:[\s\S]*?CertificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate\/66666666/);
  assert.match(alb, /^ {2}CertificateArnAdmin:\n\s+Type: String/m);
  assert.match(alb, /StatusCode: "421"/);
  // The exact names come before the wildcard.
  assert.ok(alb.indexOf('"admin.example.com"') < alb.indexOf('"*.tenants.example.com"'));
});

test('ALB: over the rule quota, the error names each site\'s rules and sits at the heaviest', () => {
  const many = Array.from({ length: 110 }, (_, i) => ({ path: `/p${i}`, pool: 'api' }));
  const errors = refused(base({ sites: { api: { domains: ['api.example.com'], routes: many } } }));
  assert.deepEqual(errors.map((d) => d.pointer), ['/sites/api/routes']);
  // 110 routes and the rule that answers 404 on api for the paths none of them has; the default site's "/" is the default action.
  assert.match(errors[0]!.message, /these routes need 111: site api 111; site api needs the most/);
});

test('explain lists each site\'s decisions on every target', () => {
  const rows = explainRows(analyse(readCase('sites'), { file: 'sites.yaml', targets: TARGET_NAMES }));
  for (const pointer of ['/domains', '/sites/admin/domains', '/sites/tenants/domains']) {
    const row = rows.find((r) => r.feature === 'sites' && r.pointer === pointer);
    assert.ok(row, `a sites row at ${pointer}`);
    assert.deepEqual(Object.keys(row.targets).sort(), ['cloudformation', 'haproxy', 'nginx']);
  }
  const strict = rows.find((r) => r.feature === 'strictHost')!;
  assert.deepEqual(Object.keys(strict.targets).sort(), ['cloudformation', 'haproxy', 'nginx']);
  assert.ok(rows.some((r) => r.pointer === '/sites/tenants/routes/1/websocket'), 'a site route\'s own decisions are there too');
});
