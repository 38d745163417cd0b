/** ALB rate limits (AWS WAF) and what the ALB target refuses: hard quotas and values AWS cannot take. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { generate } from '../src/pipeline.js';
import { albRefusal, ofType, renderAlb } from './helpers/cfn.js';

const servers = { s1: { address: '10.0.0.1', port: 3000 } };
const base = (over: Record<string, unknown> = {}) => ({ version: 1, name: 'app', servers, pools: { web: { servers: ['s1'] } }, routes: [{ path: '/', pool: 'web' }], ...over });
const refusedAt = (topology: object, path: string, pattern: RegExp) => {
  const errors = albRefusal(topology).filter((d) => d.severity === 'error');
  assert.ok(errors.some((e) => e.path === path && pattern.test(e.message)), errors.map((e) => `${e.path}: ${e.message}`).join('\n') || 'no error');
};

test('WAF: one rate-based rule per rate-limited route, per client IP over 60 s, 429 beyond, scoped to the route', () => {
  const routes = [
    { path: '/', pool: 'web', rateLimit: { perSecond: 100, burst: 50 } },
    { path: '/api', pool: 'web', rateLimit: { perSecond: 20, burst: 10 } },
    { path: '/api/v1', pool: 'web' },
    { path: '/api/v1/admin', pool: 'web' },
  ];
  const { template: t, warnings } = renderAlb(base({ routes, aws: { waf: true } }));
  const [id, acl] = ofType(t, 'AWS::WAFv2::WebACL')[0]!;
  assert.equal(acl.Properties.Scope, 'REGIONAL');
  assert.deepEqual(acl.Properties.DefaultAction, { Allow: {} });
  const rules = acl.Properties.Rules as any[];
  assert.equal(rules.length, 2);
  const byName = Object.fromEntries(rules.map((r) => [r.Name, r]));
  for (const r of rules) {
    assert.deepEqual(r.Action, { Block: { CustomResponse: { ResponseCode: 429 } } });
    const s = r.Statement.RateBasedStatement;
    assert.deepEqual([s.AggregateKeyType, s.EvaluationWindowSec], ['IP', 60]);
    assert.ok(s.Limit >= 10, 'AWS minimum');
  }
  assert.equal(byName['route1-rate-limit'].Statement.RateBasedStatement.Limit, 20 * 60 + 10);
  assert.equal(byName['route0-rate-limit'].Statement.RateBasedStatement.Limit, 100 * 60 + 50);
  const search = (s: any) => JSON.stringify(s).match(/"SearchString":"[^"]*"/g);
  const api = byName['route1-rate-limit'].Statement.RateBasedStatement.ScopeDownStatement;
  assert.deepEqual(search(api.AndStatement.Statements[0]), ['"SearchString":"/api"', '"SearchString":"/api/"']);
  assert.deepEqual(search(api.AndStatement.Statements[1].NotStatement), ['"SearchString":"/api/v1"', '"SearchString":"/api/v1/"'], 'only the outermost nested route is excluded');
  const root = byName['route0-rate-limit'].Statement.RateBasedStatement.ScopeDownStatement;
  assert.deepEqual(search(root.NotStatement), ['"SearchString":"/api"', '"SearchString":"/api/"']);
  const assoc = ofType(t, 'AWS::WAFv2::WebACLAssociation')[0]![1].Properties;
  assert.deepEqual(assoc, { ResourceArn: { Ref: 'LoadBalancer' }, WebACLArn: { 'Fn::GetAtt': [id, 'Arn'] } });
  assert.ok(warnings.some((w) => w.path === 'routes[1].rateLimit' && /AWS WAF rate-based rule/.test(w.message) && w.message.includes('1210')));
});

test('WAF off: no web ACL, and a warning per rate-limited route saying how to get one', () => {
  const { template: t, warnings } = renderAlb(base({ routes: [{ path: '/', pool: 'web', rateLimit: { perSecond: 1 } }] }));
  assert.equal(ofType(t, 'AWS::WAFv2::WebACL').length, 0);
  assert.ok(warnings.some((w) => w.path === 'routes[0].rateLimit' && /no rate limiting/.test(w.message) && /aws\.waf: true/.test(w.message)));
});

test('WAF quota: at most 10 rate-based rules per web ACL', () => {
  const routes = Array.from({ length: 11 }, (_, i) => ({ path: `/r${i}`, pool: 'web', rateLimit: { perSecond: 1 } }));
  refusedAt(base({ routes, aws: { waf: true } }), 'routes[10].rateLimit', /at most 10 rate-based rules per web ACL/);
});

test('quota: 100 target groups per load balancer; nginx still renders the topology', () => {
  const pools = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, { servers: ['s1'] }]));
  const routes = Object.keys(pools).map((id) => ({ path: `/${id}`, pool: id }));
  refusedAt(base({ pools, routes }), 'pools', /at most 100 target groups per Application Load Balancer/);
  const said = albRefusal(base({ pools, routes }));
  assert.deepEqual(said.filter((d) => d.severity !== 'error').map((d) => d.path), [], 'over a quota, no per-pool warning buries the error');
  assert.ok(said.find((d) => d.path === 'pools')!.line > 1, 'the quota error is at the pools key');
  assert.doesNotThrow(() => generate(yaml.dump(base({ pools, routes })), { file: 'topology.yaml', targets: ['nginx'] }));
});

test('quota: 100 listener rules per load balancer, counting every listener that carries the routes', () => {
  const routes = Array.from({ length: 51 }, (_, i) => ({ path: `/r${i}`, pool: 'web' }));
  assert.doesNotThrow(() => renderAlb(base({ routes })), '51 rules on one listener fit');
  const tls = { certificate: '/etc/c.pem', key: '/etc/k.pem' };
  refusedAt(base({ routes, tls, listen: { redirectToHttps: false } }), 'routes', /at most 100 listener rules per Application Load Balancer.*need 102/);
  const allow = Array.from({ length: 301 }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`);
  refusedAt(base({ routes: [{ path: '/', pool: 'web', allowFrom: allow }] }), 'routes', /need 101/);
});

test('quota: 1000 targets per load balancer when the template registers them', () => {
  const many = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`s${i}`, { address: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 80 }]));
  const ids = Object.keys(many);
  const topology = base({ servers: many, pools: { a: { servers: ids }, b: { servers: ids } }, routes: [{ path: '/', pool: 'a' }, { path: '/b', pool: 'b' }], aws: { targetType: 'ip' } });
  refusedAt(topology, 'servers', /at most 1000 targets per Application Load Balancer.*1002/);
});

test('refused: an expectStatus with no code ALB can check (clamping 503 to 499 would change its meaning)', () => {
  const pools = { web: { servers: ['s1'], healthCheck: { path: '/h', expectStatus: 503 } } };
  refusedAt(base({ pools }), 'pools.web.healthCheck.expectStatus', /must be within 200-499: no code of 503 is/);
});

test('refused: what AWS cannot take and cannot be clamped, each at its field', () => {
  const ip = (address: string) => base({ servers: { s1: { address, port: 80 } }, aws: { targetType: 'ip' } });
  refusedAt(ip('app.internal'), 'servers.s1.address', /host name/);
  refusedAt(ip('203.0.113.9'), 'servers.s1.address', /only private IPv4 targets/);
  refusedAt(base({ name: 'internal-app', aws: { fixedNames: true } }), 'name', /"internal-"/);
  refusedAt(base({ pools: { web: { servers: ['s1'], sticky: { by: 'cookie', setBy: 'application', cookie: 'AWSALBTG' } } } }), 'pools.web.sticky.cookie', /reserves cookie names starting with AWSALB/);
  refusedAt(base({ aws: { accessLogs: { bucket: 'logs-bucket', prefix: 'a/AWSLogs' } } }), 'aws.accessLogs.prefix', /AWSLogs/);
  const long = `/${'a'.repeat(126)}`;
  refusedAt(base({ routes: [{ path: '/', pool: 'web' }, { path: long, pool: 'web' }] }), 'routes[1].path', /at most 128 characters/);
});
