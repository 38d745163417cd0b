/** ALB target groups, idle timeout, WAF and access logs: values, clamps (cfn-lint misses most), names. */
import assert from 'node:assert/strict';
import { policyMinVersion } from '../src/targets/cloudformation/listeners.js';
import { test } from 'node:test';
import { attributesOf, ofType, renderAlb, type Template } from './helpers/cfn.js';

const base = (pools: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools,
  routes: Object.keys(pools).map((id, i) => ({ path: i === 0 ? '/' : `/${id}`, pool: id })),
  ...over,
});
const group = (t: Template, id: string) => t.Resources[`TargetGroup${id}`]!;
const said = (warnings: { path: string; message: string }[], path: string, ...parts: (string | RegExp)[]) =>
  assert.ok(
    warnings.some((w) => w.path === path && parts.every((p) => (typeof p === 'string' ? w.message.includes(p) : p.test(w.message)))),
    `a warning at ${path} with ${parts.join(', ')}; got:\n${warnings.map((w) => `${w.path}: ${w.message}`).join('\n')}`,
  );

test('stickiness: lb_cookie with the ttl, app_cookie with the name, lb_cookie for source IP (warned), none off', () => {
  const { template: t, warnings } = renderAlb(base({
    plain: { servers: ['s1'], balance: 'least-connections' },
    lb: { servers: ['s1'], sticky: { by: 'cookie', ttl: '2h' } },
    appck: { servers: ['s1'], sticky: { by: 'cookie', cookie: 'verb-server-id', setBy: 'application', ttl: '1d' } },
    ip: { servers: ['s1'], sticky: { by: 'source-ip' } },
    hashed: { servers: ['s1'], balance: 'source-ip-hash' },
  }));
  assert.deepEqual(attributesOf(group(t, 'Plain')), { 'deregistration_delay.timeout_seconds': '30', 'load_balancing.algorithm.type': 'least_outstanding_requests', 'stickiness.enabled': 'false' });
  const pick = (id: string, ...keys: string[]) => keys.map((k) => attributesOf(group(t, id))[`stickiness.${k}`]);
  assert.deepEqual(pick('Lb', 'enabled', 'type', 'lb_cookie.duration_seconds'), ['true', 'lb_cookie', '7200']);
  assert.deepEqual(pick('Appck', 'type', 'app_cookie.cookie_name', 'app_cookie.duration_seconds'), ['app_cookie', 'verb-server-id', '86400']);
  assert.deepEqual(pick('Ip', 'type', 'lb_cookie.duration_seconds'), ['lb_cookie', '86400']);
  assert.deepEqual(pick('Hashed', 'type'), ['lb_cookie']);
  said(warnings, 'pools.ip.sticky', 'no source-IP stickiness', 'lb_cookie');
  said(warnings, 'pools.hashed.balance', 'cannot hash');
});

test('health check: values, Matcher from expectStatus, ALB defaults when the pool has none', () => {
  const { template: t, warnings } = renderAlb(base({
    main: { servers: ['s1'], passive: { maxFails: 2 }, healthCheck: { path: '/ready', interval: '20s', timeout: '4s', rise: 3, fall: 4, expectStatus: '200-399' } },
    bare: { servers: ['s2'] },
  }));
  const p = group(t, 'Main').Properties;
  assert.deepEqual(
    [p.HealthCheckPath, p.HealthCheckIntervalSeconds, p.HealthCheckTimeoutSeconds, p.HealthyThresholdCount, p.UnhealthyThresholdCount, p.Matcher.HttpCode],
    ['/ready', 20, 4, 3, 4, '200-399'],
  );
  const b = group(t, 'Bare').Properties;
  assert.deepEqual([b.HealthCheckPath, b.Matcher.HttpCode], ['/', '200-499']);
  said(warnings, 'pools.bare', 'always health-checks');
  said(warnings, 'pools.main.passive', 'no passive ejection');
  assert.ok(!warnings.some((w) => w.path === 'pools.bare.passive'), 'no warning for a passive setting the topology does not write');
  assert.ok(!warnings.some((w) => w.path === 'pools.main.healthCheck.host'), 'no Host warning where the topology sets none');
  // The ALB's check sends the target's IP address as Host: a Host the topology asks for is warned about.
  const hosted = renderAlb(base({ main: { servers: ['s1'], healthCheck: { path: '/ready', host: 'health.internal' } } }));
  said(hosted.warnings, 'pools.main.healthCheck.host', "sends the target's IP address as Host", 'health.internal applies to HAProxy only');
  assert.ok(!JSON.stringify(hosted.template).includes('health.internal'), 'nothing in the template sends it');
});

test('clamps: each out-of-range value is clamped, with a warning naming both values', () => {
  const { template: t, warnings } = renderAlb(base({
    fast: { servers: ['s1'], sticky: { by: 'cookie', ttl: '30d' }, healthCheck: { path: '/h', interval: '1s', timeout: '500ms', rise: 1, fall: 1, expectStatus: '100-599' } },
    slow: { servers: ['s1'], healthCheck: { path: '/h', interval: '10m', timeout: '3m', expectStatus: '150-250' } },
    tight: { servers: ['s1'], healthCheck: { path: '/h', interval: '10s', timeout: '9500ms' } },
  }, { aws: { deregistrationDelay: '2h', idleTimeout: '2h' } }));
  const hc = (id: string) => { const p = group(t, id).Properties; return [p.HealthCheckIntervalSeconds, p.HealthCheckTimeoutSeconds, p.HealthyThresholdCount, p.UnhealthyThresholdCount, p.Matcher.HttpCode]; };
  assert.deepEqual(hc('Fast'), [5, 2, 2, 2, '200-499']);
  assert.deepEqual(hc('Slow'), [300, 120, 2, 3, '200-250']);
  assert.deepEqual(hc('Tight').slice(0, 2), [10, 9], 'timeout stays below the interval after rounding up');
  assert.equal(attributesOf(group(t, 'Fast'))['stickiness.lb_cookie.duration_seconds'], '604800');
  assert.equal(attributesOf(group(t, 'Fast'))['deregistration_delay.timeout_seconds'], '3600');
  assert.equal(attributesOf(t.Resources.LoadBalancer!, 'LoadBalancerAttributes')['idle_timeout.timeout_seconds'], '4000');
  said(warnings, 'pools.fast.healthCheck.interval', '1s', '5 s');
  said(warnings, 'pools.fast.healthCheck.timeout', '500ms', '2 s');
  said(warnings, 'pools.fast.healthCheck.rise', '1 becomes 2');
  said(warnings, 'pools.fast.healthCheck.expectStatus', '100-599 becomes 200-499');
  said(warnings, 'pools.slow.healthCheck.expectStatus', '150-250 becomes 200-250');
  said(warnings, 'pools.fast.sticky.ttl', '30d', '604800 s');
  said(warnings, 'pools.slow.healthCheck.interval', '10m', '300 s');
  said(warnings, 'pools.slow.healthCheck.timeout', '3m', '120 s');
  said(warnings, 'pools.tight.healthCheck.timeout', 'shorter than the interval', '9 s');
  said(warnings, 'aws.deregistrationDelay', '2h', '3600 s');
  said(warnings, 'aws.idleTimeout', '2h', '4000 s');
});

test('idle timeout: 60 s, else the longest WebSocket tunnel (clamped to 4000 s), else as given with a warning when shorter', () => {
  const idle = (topology: object) => {
    const r = renderAlb(topology);
    return { seconds: attributesOf(r.template.Resources.LoadBalancer!, 'LoadBalancerAttributes')['idle_timeout.timeout_seconds'], warnings: r.warnings };
  };
  const pools = { web: { servers: ['s1'] }, ws: { servers: ['s2'], timeouts: { tunnel: '45m' } }, ws2: { servers: ['s2'], timeouts: { tunnel: '50m' } } };
  const routes = [{ path: '/', pool: 'web' }, { path: '/ws', pool: 'ws', websocket: true }, { path: '/ws2', pool: 'ws2', websocket: true }];
  assert.equal(idle(base({ web: { servers: ['s1'] } })).seconds, '60');
  assert.equal(idle(base(pools, { routes })).seconds, '3000');
  const long = idle(base({ ...pools, ws2: { servers: ['s2'], timeouts: { tunnel: '2h' } } }, { routes }));
  assert.equal(long.seconds, '4000');
  said(long.warnings, 'pools.ws2.timeouts.tunnel', '2h', '4000 s');
  const given = idle(base(pools, { routes, aws: { idleTimeout: '5m' } }));
  assert.equal(given.seconds, '300');
  said(given.warnings, 'aws.idleTimeout', 'shorter than the tunnel timeout 50m');
  said(idle(base(pools, { routes, aws: { idleTimeout: '5000s' } })).warnings, 'aws.idleTimeout', '5000s', '4000 s');
});

test('fixed target-group names (aws.fixedNames): deterministic, at most 32 legal characters, unique', () => {
  const pools = Object.fromEntries(['a_b', 'a-b', 'reporting-dashboard-backend-primary', 'reporting-dashboard-backend-secondary', 'x'].map((id) => [id, { servers: ['s1'] }]));
  const topology = base(pools, { name: 'a-rather-long-application-name', aws: { fixedNames: true } });
  const names = (t: Template) => ofType(t, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(([, r]) => r.Properties.Name as string);
  const first = names(renderAlb(topology).template);
  assert.deepEqual(names(renderAlb(topology).template), first, 'same topology, same names');
  assert.equal(new Set(first).size, first.length, first.join(', '));
  for (const n of first) assert.match(n, /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/);
  assert.ok(first.includes('a-rather-long-application-name-x'), 'a name that fits is kept as it is');
  assert.ok(first.some((n) => n.startsWith('a-rather-lo-reporting-d')), first.join(', '));
});

test('ip targets: each server registered on its own port; IPv6 targets make the load balancer dualstack', () => {
  const { template: t } = renderAlb(base({ web: { servers: ['s1', 's2'] } }, { servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3001 } }, aws: { targetType: 'ip' } }));
  assert.deepEqual(group(t, 'Web').Properties.Targets, [{ Id: '10.0.0.1', Port: 3000 }, { Id: '10.0.0.2', Port: 3001 }]);
  assert.match(t.Outputs.TargetGroupWebArn.Description, /registers its servers/);
  const six = renderAlb(base({ web: { servers: ['s1'] } }, { servers: { s1: { address: '2001:db8::1', port: 80 } }, aws: { targetType: 'ip' } })).template;
  assert.equal(group(six, 'Web').Properties.IpAddressType, 'ipv6');
  assert.equal(six.Resources.LoadBalancer!.Properties.IpAddressType, 'dualstack');
  assert.ok(six.Resources.LoadBalancerSecurityGroup!.Properties.SecurityGroupIngress.some((i: { CidrIpv6?: string }) => i.CidrIpv6 === '::/0'));
});

test('instance targets: no Targets, an output for the Auto Scaling group, a warning when ports differ', () => {
  const { template: t, warnings } = renderAlb(base({ web: { servers: ['s1', 's2'] } }, { servers: { s1: { address: 'a.internal', port: 3000 }, s2: { address: 'b.internal', port: 3001 } } }));
  assert.equal(group(t, 'Web').Properties.Targets, undefined);
  said(warnings, 'pools.web.servers', 'port 3000', 's2 (3001)');
});

test('access logs with create: a bucket, a policy for ELB log delivery, the load balancer waits for it', () => {
  const { template: t } = renderAlb(base({ web: { servers: ['s1'] } }, { aws: { accessLogs: { create: true, prefix: 'edge/alb' } } }));
  assert.equal(ofType(t, 'AWS::S3::Bucket').length, 1);
  const statement = t.Resources.AccessLogsBucketPolicy!.Properties.PolicyDocument.Statement[0];
  assert.deepEqual(statement.Principal, { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' });
  assert.deepEqual(statement.Resource, { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${AccessLogsBucket}/edge/alb/AWSLogs/${AWS::AccountId}/*' });
  assert.equal(t.Resources.LoadBalancer!.DependsOn, 'AccessLogsBucketPolicy');
  const attrs = attributesOf(t.Resources.LoadBalancer!, 'LoadBalancerAttributes');
  assert.deepEqual([attrs['access_logs.s3.bucket'], attrs['access_logs.s3.prefix']], [{ Ref: 'AccessLogsBucket' }, 'edge/alb']);
});

test('gaps the ALB cannot close are warned about: a server slower than the idle timeout, a connection cap', () => {
  const slow = renderAlb(base({ main: { servers: ['s1'], timeouts: { server: '2m' } } }, { limits: { maxConnections: 500 } })).warnings;
  said(slow, 'pools.main.timeouts.server', 'idle for 60 s', 'timeouts.server 2m');
  said(slow, 'limits.maxConnections', 'no connection cap', '500');
  const quiet = renderAlb(base({ main: { servers: ['s1'] } })).warnings;
  assert.ok(!quiet.some((w) => w.path === 'limits.maxConnections' || w.path.endsWith('timeouts.server')), 'no warning for defaults the ALB matches or the topology does not write');
});

test('aws.sslPolicy: the lowest TLS version its name admits is compared with tls.minVersion', () => {
  assert.deepEqual(['ELBSecurityPolicy-TLS13-1-3-2021-06', 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06', 'ELBSecurityPolicy-TLS-1-1-2017-01', 'ELBSecurityPolicy-FS-1-2-Res-2020-10', 'ELBSecurityPolicy-2016-08', 'ELBSecurityPolicy-Bogus'].map(policyMinVersion),
    ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.2', 'TLSv1.0', null]);
  const tls = { certificate: '/etc/c.pem', key: '/etc/k.pem', minVersion: 'TLSv1.3' };
  const weak = renderAlb(base({ main: { servers: ['s1'] } }, { tls, aws: { sslPolicy: 'ELBSecurityPolicy-2016-08' } })).warnings;
  said(weak, 'aws.sslPolicy', 'accepts TLSv1.0 and later', 'TLSv1.3');
  said(renderAlb(base({ main: { servers: ['s1'] } }, { tls, aws: { sslPolicy: 'ELBSecurityPolicy-Bogus' } })).warnings, 'aws.sslPolicy', 'not an ELB security policy name lbgen knows');
  assert.ok(!renderAlb(base({ main: { servers: ['s1'] } }, { tls, aws: { sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' } })).warnings.some((w) => w.path === 'aws.sslPolicy'));
});
