/** What the ALB template means, read back as data: routing, listeners, target groups, WAF. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from '../src/pipeline.js';
import { readCase } from './helpers/cases.js';
import { attributesOf, decide, ofType, parseTemplate, renderAlb, rulesOf, type Template } from './helpers/cfn.js';

const TLS = { certificate: '/etc/ssl/app/cert.pem', key: '/etc/ssl/app/key.pem' };
const base = (over: Record<string, unknown> = {}) => ({
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools: { web: { servers: ['s1', 's2'], healthCheck: { path: '/health' } } },
  routes: [{ path: '/', pool: 'web' }],
  ...over,
});

const reference = (): Template => parseTemplate(generate(readCase('reference'), { file: 'topology.yaml', targets: ['cloudformation'] }).files[0]!.text);

test('reference: longest prefix first, each path matches P and P/*, "/" is the default action', () => {
  const t = reference();
  const rules = rulesOf(t, 'HttpsListener');
  assert.deepEqual(rules.map((r) => r.Priority), [1, 2, 3, 4, 5], 'consecutive priorities');
  const firstPath = rules.map((r) => r.Conditions.find((c: { Field: string }) => c.Field === 'path-pattern').PathPatternConfig.Values);
  assert.deepEqual(firstPath, [['/health', '/health/*'], ['/health', '/health/*'], ['/health', '/health/*'], ['/api', '/api/*'], ['/ws', '/ws/*']]);
  const cases: [string, string, string?][] = [
    ['/ws', 'TargetGroupWebsocket'], ['/ws/', 'TargetGroupWebsocket'], ['/ws/chat', 'TargetGroupWebsocket'], ['/wsx', 'TargetGroupHttp'],
    ['/api', 'TargetGroupApi'], ['/api/v1/users', 'TargetGroupApi'], ['/apix', 'TargetGroupHttp'], ['/', 'TargetGroupHttp'],
    ['/health', '403'], ['/health', 'TargetGroupHttp', '10.1.2.3'], ['/health/deep', 'TargetGroupHttp', '127.0.0.1'], ['/health', 'TargetGroupHttp', '192.168.9.9'],
  ];
  for (const [path, want, ip] of cases) assert.equal(decide(t, 'HttpsListener', path, ip), want, `${path} from ${ip ?? 'the internet'}`);
  assert.equal(decide(t, 'HttpListener', '/api'), 'redirect:443');
});

test('reference: redirect, TLS policy, certificate parameter, security headers, outputs', () => {
  const t = reference();
  const http = t.Resources.HttpListener!.Properties;
  assert.deepEqual(http.DefaultActions[0].RedirectConfig, { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' });
  assert.equal(http.ListenerAttributes, undefined, 'no HSTS over plain HTTP');
  const https = t.Resources.HttpsListener!.Properties;
  // The reference names the restricted policy (aws.sslPolicy): no TLS 1.2 cipher nginx and HAProxy refuse.
  assert.equal(https.SslPolicy, 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06');
  assert.deepEqual(https.Certificates, [{ CertificateArn: { Ref: 'CertificateArn' } }]);
  assert.equal(t.Parameters.CertificateArn.Type, 'String');
  assert.deepEqual(attributesOf(t.Resources.HttpsListener!, 'ListenerAttributes'), {
    'routing.http.response.strict_transport_security.header_value': 'max-age=63072000; includeSubDomains; preload',
    'routing.http.response.x_frame_options.header_value': 'DENY',
    'routing.http.response.x_content_type_options.header_value': 'nosniff',
    'routing.http.response.content_security_policy.header_value': "default-src 'none'; frame-ancestors 'none'",
  });
  const lb = t.Resources.LoadBalancer!.Properties;
  assert.equal(lb.Name, undefined, 'CloudFormation names it');
  assert.deepEqual(lb.Tags, [{ Key: 'Name', Value: 'verb-app' }]);
  assert.deepEqual(attributesOf(t.Resources.LoadBalancer!, 'LoadBalancerAttributes'), {
    'idle_timeout.timeout_seconds': '3600', 'routing.http2.enabled': 'true', 'routing.http.drop_invalid_header_fields.enabled': 'true', 'deletion_protection.enabled': 'true', 'access_logs.s3.enabled': 'true', 'access_logs.s3.bucket': 'verb-app-alb-logs',
  });
  assert.equal(ofType(t, 'AWS::S3::Bucket').length, 0, 'an existing bucket is used as it is');
  assert.deepEqual(t.Outputs.LoadBalancerDnsName.Value, { 'Fn::GetAtt': ['LoadBalancer', 'DNSName'] });
  for (const [id] of ofType(t, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
    const out = t.Outputs[`${id}Arn`];
    assert.deepEqual(out.Value, { Ref: id });
    assert.match(out.Description, /Auto Scaling group/);
    assert.deepEqual(out.Export.Name, { 'Fn::Sub': `\${AWS::StackName}-${id}Arn` });
  }
});

test('reference: target groups carry health checks, Matcher, algorithm, stickiness, deregistration delay', () => {
  const t = reference();
  const tg = (id: string) => t.Resources[id]!;
  for (const id of ['TargetGroupHttp', 'TargetGroupApi', 'TargetGroupWebsocket']) {
    const p = tg(id).Properties;
    assert.equal(p.HealthCheckPath, '/health');
    assert.deepEqual(p.Matcher, { HttpCode: '200' }, `${id} has a Matcher (the guide's WebSocket group had none)`);
    assert.ok(p.HealthCheckTimeoutSeconds < p.HealthCheckIntervalSeconds);
    assert.equal(attributesOf(tg(id))['deregistration_delay.timeout_seconds'], '30');
  }
  assert.deepEqual([tg('TargetGroupApi').Properties.HealthCheckIntervalSeconds, tg('TargetGroupApi').Properties.HealthCheckTimeoutSeconds], [5, 3]);
  assert.equal(tg('TargetGroupApi').Properties.UnhealthyThresholdCount, 2);
  assert.equal(attributesOf(tg('TargetGroupHttp'))['load_balancing.algorithm.type'], 'least_outstanding_requests');
  const ws = attributesOf(tg('TargetGroupWebsocket'));
  assert.deepEqual([ws['stickiness.enabled'], ws['stickiness.type'], ws['stickiness.lb_cookie.duration_seconds']], ['true', 'lb_cookie', '86400']);
});

test('allowFrom: 3 addresses per condition, 5 values per rule, split over consecutive rules, then 403', () => {
  const cidrs = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '198.18.0.0/15', '203.0.113.0/24', '127.0.0.1/32'];
  const { template: t } = renderAlb(base({ routes: [{ path: '/', pool: 'web', allowFrom: cidrs.slice(0, 4) }, { path: '/admin', pool: 'web', allowFrom: cidrs }] }));
  const rules = rulesOf(t, 'HttpListener');
  for (const r of rules) {
    const values = r.Conditions.map((c: any) => (c.PathPatternConfig ?? c.SourceIpConfig).Values.length);
    assert.ok(values.every((n: number) => n <= 3) && values.reduce((a: number, b: number) => a + b, 0) <= 5, JSON.stringify(r.Conditions));
  }
  const admin = rules.filter((r) => r.Conditions.some((c: any) => c.Field === 'path-pattern'));
  assert.equal(admin.length, 4, 'three forwarding rules for seven addresses, one 403 rule');
  assert.deepEqual(admin.slice(0, 3).flatMap((r) => r.Conditions[1].SourceIpConfig.Values), cidrs);
  assert.equal(admin[3].Actions[0].FixedResponseConfig.StatusCode, '403');
  assert.deepEqual(rules.map((r) => r.Priority), [1, 2, 3, 4, 5, 6]);
  for (const ip of ['10.9.9.9', '203.0.113.5', '127.0.0.1']) assert.equal(decide(t, 'HttpListener', '/admin/x', ip), 'TargetGroupWeb');
  assert.equal(decide(t, 'HttpListener', '/admin', '8.8.8.8'), '403');
  assert.equal(decide(t, 'HttpListener', '/other', '100.64.1.1'), 'TargetGroupWeb', '"/" allows its 4th network through a second rule');
  assert.equal(decide(t, 'HttpListener', '/other', '8.8.8.8'), '403', '"/" answers 403 as the default action');
});

test('nested paths: longer routes win whatever the file order; nothing on "/" is 404', () => {
  const t = parseTemplate(generate(readCase('nested-paths'), { file: 'topology.yaml', targets: ['cloudformation'] }).files[0]!.text);
  const want: [string, string, string?][] = [
    ['/api/v1/admin/x', 'TargetGroupAdmin', '10.1.1.1'], ['/api/v1/admin', '403'], ['/api/v1/x', 'TargetGroupV1'], ['/api/v1', 'TargetGroupV1'],
    ['/api/v1x', 'TargetGroupApi'], ['/api', 'TargetGroupApi'], ['/', '404'], ['/apix', '404'],
  ];
  for (const [path, target, ip] of want) assert.equal(decide(t, 'HttpListener', path, ip), target, path);
});

test('TLS without redirect: both listeners carry the same rules; chosen policy, given certificate', () => {
  const arn = 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123';
  const { template: t } = renderAlb(base({ listen: { redirectToHttps: false }, tls: { ...TLS, certificateArn: arn, minVersion: 'TLSv1.3' }, routes: [{ path: '/', pool: 'web' }, { path: '/x', pool: 'web' }] }));
  const strip = (rules: any[]) => rules.map(({ ListenerArn: _, ...r }) => r);
  assert.deepEqual(strip(rulesOf(t, 'HttpListener')), strip(rulesOf(t, 'HttpsListener')));
  assert.equal(t.Resources.HttpsListener!.Properties.SslPolicy, 'ELBSecurityPolicy-TLS13-1-3-2021-06');
  assert.equal(t.Resources.HttpsListener!.Properties.Certificates[0].CertificateArn, arn);
  assert.equal(t.Parameters.CertificateArn, undefined);
});

test('no TLS: one HTTP listener with the rules, no certificate, only its port open', () => {
  const { template: t } = renderAlb(base({ listen: { http: 8080 } }));
  assert.deepEqual(ofType(t, 'AWS::ElasticLoadBalancingV2::Listener').map(([id]) => id), ['HttpListener']);
  assert.equal(t.Parameters.CertificateArn, undefined);
  assert.deepEqual(t.Resources.LoadBalancerSecurityGroup!.Properties.SecurityGroupIngress.map((i: any) => i.FromPort), [8080]);
});

test('redirect carries a non-default HTTPS port as a string', () => {
  const { template: t } = renderAlb(base({ listen: { http: 8080, https: 8443 }, tls: TLS }));
  assert.equal(t.Resources.HttpListener!.Properties.DefaultActions[0].RedirectConfig.Port, '8443');
});

test('user strings round-trip through YAML exactly (JSON scalars)', () => {
  const csp = "default-src 'self'; img-src data: #x; style-src 'unsafe-inline' 100%: yes";
  const { template: t } = renderAlb(base({ tls: TLS, securityHeaders: { contentSecurityPolicy: csp, referrerPolicy: 'no-referrer', xssProtection: '0' } }));
  assert.equal(attributesOf(t.Resources.HttpsListener!, 'ListenerAttributes')['routing.http.response.content_security_policy.header_value'], csp);
});

test('headers ALB cannot add are warnings at the field', () => {
  const { warnings } = renderAlb(base({ tls: TLS, securityHeaders: { referrerPolicy: 'no-referrer', xssProtection: '0' } }));
  for (const field of ['referrerPolicy', 'xssProtection']) {
    assert.ok(warnings.some((w) => w.path === `securityHeaders.${field}` && /ALB cannot add/.test(w.message)), field);
  }
});

test('drift the ALB cannot close is said: TLS 1.2 ciphers of a non-restricted policy, one response timeout, IPv6 allow-lists on an IPv4 balancer', () => {
  const tls = renderAlb(base({ tls: TLS })).warnings.filter((w) => w.path === 'tls');
  assert.equal(tls.length, 1);
  assert.match(tls[0]!.message, /ELBSecurityPolicy-TLS13-1-2-2021-06 also accepts TLS 1\.2 ciphers without forward secrecy.*ELBSecurityPolicy-TLS13-1-2-Res-2021-06/);
  for (const sslPolicy of ['ELBSecurityPolicy-TLS13-1-2-Res-2021-06', 'ELBSecurityPolicy-TLS13-1-3-2021-06']) {
    const minVersion = sslPolicy.includes('1-3') ? 'TLSv1.3' : 'TLSv1.2';
    const w = renderAlb(base({ tls: { ...TLS, minVersion }, aws: { sslPolicy } })).warnings;
    assert.deepEqual(w.filter((x) => x.path === 'tls' || x.path === 'aws.sslPolicy'), [], sslPolicy);
  }
  const slow = renderAlb(base({ pools: { web: { servers: ['s1', 's2'], healthCheck: { path: '/health' }, timeouts: { server: '20s' } } } })).warnings;
  assert.ok(slow.some((w) => w.path === 'pools.web.timeouts.server' && /no per-pool response timeout: a slow answer from pool "web" waits up to the idle timeout 60 s/.test(w.message)), JSON.stringify(slow));
  const v6 = renderAlb(base({ routes: [{ path: '/', pool: 'web', allowFrom: ['10.0.0.0/8', '2001:db8::/32'] }], aws: { scheme: 'internal' } })).warnings;
  assert.ok(v6.some((w) => w.path === 'routes[0].allowFrom' && /IPv4 clients only.*2001:db8::\/32 in routes\[0\] can never match/.test(w.message)), JSON.stringify(v6));
  const open = renderAlb(base({ routes: [{ path: '/', pool: 'web', allowFrom: ['10.0.0.0/8', '2001:db8::/32'] }] }));
  assert.equal(parseTemplate(open.text).Resources.LoadBalancer!.Properties.IpAddressType, 'dualstack', 'an internet-facing balancer takes the IPv6 clients its allow-lists name');
  assert.ok(!open.warnings.some((w) => /IPv4 clients only/.test(w.message)));
  const v6targets = renderAlb(base({ servers: { s1: { address: '2001:db8::1', port: 3000 }, s2: { address: '2001:db8::2', port: 3000 } }, routes: [{ path: '/', pool: 'web', allowFrom: ['2001:db8::/32'] }], aws: { targetType: 'ip' } })).warnings;
  assert.ok(!v6targets.some((w) => /IPv4 clients only/.test(w.message)), 'a dualstack balancer sees IPv6 clients');
});

test('the 5xx alarm counts the load balancer\'s own 5xx too (HAProxy\'s rule counts its 503 and 504)', () => {
  const t = parseTemplate(renderAlb(base({ monitoring: { alerts: { errorRatePercent: 5 } } })).text);
  const m = t.Resources.AlarmErrorRate!.Properties.Metrics as { Id: string; MetricStat?: { Metric: { MetricName: string } }; Expression?: string }[];
  assert.deepEqual(m.filter((x) => x.MetricStat).map((x) => x.MetricStat!.Metric.MetricName), ['HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'RequestCount']);
  assert.match(m.find((x) => x.Id === 'rate')!.Expression!, /FILL\(errors, 0\) \+ FILL\(lberrors, 0\)/);
});
