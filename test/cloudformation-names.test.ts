/**
 * ALB physical names, deletion protection and the security group's sources: what lets the same
 * topology deploy as several stacks in one account and Region, and a replacement go through.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { albRefusal, attributesOf, ofType, renderAlb, type Template } from './helpers/cfn.js';

const servers = { s1: { address: '10.0.0.1', port: 3000 } };
const base = (aws: Record<string, unknown> = {}, over: Record<string, unknown> = {}) => ({
  version: 1,
  name: 'shop',
  servers,
  pools: { web: { servers: ['s1'] }, api: { servers: ['s1'] } },
  routes: [{ path: '/', pool: 'web', rateLimit: { perSecond: 10 } }, { path: '/api', pool: 'api' }],
  monitoring: { alerts: { errorRatePercent: 5, unhealthyServersPercent: 50 } },
  aws: { waf: true, accessLogs: { create: true }, ...aws },
  ...over,
});

/**
 * Names AWS wants unique per account and Region (or per Region and scope, for WAF), with the
 * properties that set them; CloudFormation makes one up for each that is absent.
 */
const NAMING: Record<string, string> = {
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
  'AWS::WAFv2::WebACL': 'Name',
  'AWS::EC2::SecurityGroup': 'GroupName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
};

const fixedNames = (t: Template): string[] =>
  Object.entries(t.Resources).flatMap(([id, r]) => (NAMING[r.Type] && r.Properties[NAMING[r.Type]!] !== undefined ? [`${id}.${NAMING[r.Type]}`] : []));

const tagsOf = (t: Template, id: string) => t.Resources[id]!.Properties.Tags as { Key: string; Value: string }[];
const lbAttributes = (t: Template) => attributesOf(t.Resources.LoadBalancer!, 'LoadBalancerAttributes');
const acl = (t: Template) => ofType(t, 'AWS::WAFv2::WebACL')[0]![1].Properties;
const metricNames = (t: Template) => [acl(t).VisibilityConfig.MetricName, ...acl(t).Rules.map((r: any) => r.VisibilityConfig.MetricName)];

test('by default nothing has a fixed name: CloudFormation names the load balancer, target groups and web ACL', () => {
  const t = renderAlb(base()).template;
  assert.deepEqual(fixedNames(t), []);
  // Exports are account- and Region-wide too: each carries the stack's name.
  for (const [key, out] of Object.entries(t.Outputs)) assert.match(out.Export.Name['Fn::Sub'], /^\$\{AWS::StackName\}-/, key);
  // WAF's CloudWatch dimensions are the metric names: per stack, so two stacks' counts stay apart.
  for (const m of metricNames(t)) assert.match(m['Fn::Sub'], /^\$\{AWS::StackName\}-[\w-]+$/);
  // Alarms find the load balancer and its target groups by attribute, never by a name written in.
  for (const [, alarm] of ofType(t, 'AWS::CloudWatch::Alarm')) {
    const dims = alarm.Properties.Metrics.flatMap((m: any) => m.MetricStat?.Metric.Dimensions ?? []);
    assert.ok(dims.length > 0);
    for (const d of dims) assert.deepEqual(Object.keys(d.Value), ['Fn::GetAtt'], JSON.stringify(d));
    assert.ok(dims.some((d: any) => d.Value['Fn::GetAtt'][1] === 'LoadBalancerFullName'));
  }
  assert.ok(ofType(t, 'AWS::CloudWatch::Alarm').some(([, a]) => JSON.stringify(a).includes('TargetGroupFullName')));
});

test('by default each resource is identified by a Name tag: the topology name, and <name>-<pool> for a target group', () => {
  const t = renderAlb(base()).template;
  assert.deepEqual(tagsOf(t, 'LoadBalancer'), [{ Key: 'Name', Value: 'shop' }]);
  assert.deepEqual(tagsOf(t, 'LoadBalancerSecurityGroup'), [{ Key: 'Name', Value: 'shop' }]);
  assert.deepEqual(tagsOf(t, 'TargetGroupWeb'), [{ Key: 'Name', Value: 'shop-web' }]);
  assert.deepEqual(tagsOf(t, 'TargetGroupApi'), [{ Key: 'Name', Value: 'shop-api' }]);
  assert.match(t.Outputs.TargetGroupWebArn.Description, /tagged Name shop-web \(pool web\)/);
});

test('a pool whose port changes keeps its logical id and has no Name, so CloudFormation may replace its target group', () => {
  const at = (port: number) => renderAlb(base({}, { servers: { s1: { address: '10.0.0.1', port } } })).template.Resources.TargetGroupWeb!.Properties;
  const before = at(3000);
  const after = at(3001);
  assert.deepEqual([before.Port, after.Port], [3000, 3001]);
  assert.equal(after.Name, undefined);
});

test('a name AWS refuses as a load balancer Name ("internal-...") is a tag like any other without fixed names', () => {
  const t = renderAlb(base({}, { name: 'internal-tools' })).template;
  assert.deepEqual(tagsOf(t, 'LoadBalancer'), [{ Key: 'Name', Value: 'internal-tools' }]);
  assert.ok(albRefusal(base({ fixedNames: true }, { name: 'internal-tools' })).some((d) => d.path === 'name' && /"internal-"/.test(d.message)));
});

test('aws.fixedNames: true names the load balancer, target groups and web ACL as before, and keeps the tags', () => {
  const t = renderAlb(base({ fixedNames: true })).template;
  assert.deepEqual(fixedNames(t).sort(), ['LoadBalancer.Name', 'RateLimitWebAcl.Name', 'TargetGroupApi.Name', 'TargetGroupWeb.Name']);
  assert.equal(t.Resources.LoadBalancer!.Properties.Name, 'shop');
  assert.equal(t.Resources.TargetGroupWeb!.Properties.Name, 'shop-web');
  assert.equal(acl(t).Name, 'shop-rate-limits');
  assert.deepEqual(metricNames(t), ['shop-rate-limits', 'shop-route0-rate-limit']);
  assert.deepEqual(tagsOf(t, 'TargetGroupWeb'), [{ Key: 'Name', Value: 'shop-web' }]);
  assert.match(t.Outputs.TargetGroupWebArn.Description, /^ARN of target group shop-web \(pool web\)/);
  // Exports carry the stack's name either way.
  assert.deepEqual(t.Outputs.LoadBalancerArn.Export.Name, { 'Fn::Sub': '${AWS::StackName}-LoadBalancerArn' });
});

test('deletion protection: on by default for an internet-facing load balancer, off for an internal one, either way when given', () => {
  const protectedBy = (aws: Record<string, unknown>) => lbAttributes(renderAlb(base(aws)).template)['deletion_protection.enabled'];
  assert.equal(protectedBy({}), 'true');
  assert.equal(protectedBy({ scheme: 'internet-facing' }), 'true');
  assert.equal(protectedBy({ scheme: 'internal' }), 'false');
  assert.equal(protectedBy({ deletionProtection: false }), 'false');
  assert.equal(protectedBy({ scheme: 'internal', deletionProtection: true }), 'true');
});

// /8 at the widest: a VpcCidr of 0.0.0.0/0 (or close) would undo what the parameter is for.
const IPV4_CIDR_EXAMPLES = {
  good: ['10.0.0.0/16', '172.31.0.0/16', '192.168.1.0/24', '100.64.0.0/10', '10.0.0.0/8', '10.1.2.3/32'],
  bad: ['0.0.0.0/0', '10.0.0.0/7', '10.0.0.0', '10.0.0.0/33', '256.0.0.0/8', '10.0.0/16', '::/0', '10.0.0.0/16 ', '01.0.0.0/8'],
};

test('internal: the security group admits the VpcCidr parameter on each listener port, never 0.0.0.0/0', () => {
  const tls = { certificate: '/etc/c.pem', key: '/etc/k.pem', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' };
  const t = renderAlb(base({ scheme: 'internal' }, { tls })).template;
  const ingress = t.Resources.LoadBalancerSecurityGroup!.Properties.SecurityGroupIngress as any[];
  assert.deepEqual(ingress.map((i) => [i.FromPort, i.CidrIp]), [[80, { Ref: 'VpcCidr' }], [443, { Ref: 'VpcCidr' }]]);
  assert.ok(ingress.every((i) => i.CidrIpv6 === undefined));
  assert.match(t.Resources.LoadBalancerSecurityGroup!.Properties.GroupDescription, /VpcCidr/);
  const p = t.Parameters.VpcCidr;
  assert.equal(p.Type, 'String');
  const pattern = new RegExp(p.AllowedPattern);
  for (const c of IPV4_CIDR_EXAMPLES.good) assert.ok(pattern.test(c), c);
  for (const c of IPV4_CIDR_EXAMPLES.bad) assert.ok(!pattern.test(c), c);
});

test('internet-facing: every address on each listener port (IPv6 too when dualstack), no VpcCidr parameter', () => {
  const t = renderAlb(base()).template;
  assert.equal(t.Parameters.VpcCidr, undefined);
  const ingress = t.Resources.LoadBalancerSecurityGroup!.Properties.SecurityGroupIngress as any[];
  assert.deepEqual(ingress.map((i) => [i.FromPort, i.CidrIp]), [[80, '0.0.0.0/0']]);
  const six = renderAlb(base({}, { routes: [{ path: '/', pool: 'web', allowFrom: ['2001:db8::/32'] }, { path: '/api', pool: 'api' }] })).template;
  const open = (six.Resources.LoadBalancerSecurityGroup!.Properties.SecurityGroupIngress as any[]).map((i) => i.CidrIp ?? i.CidrIpv6);
  assert.deepEqual(open, ['0.0.0.0/0', '::/0']);
});

test('the schema refuses a non-boolean fixedNames or deletionProtection, at the field', () => {
  for (const field of ['fixedNames', 'deletionProtection']) {
    const errors = albRefusal(base({ [field]: 'yes' }));
    assert.ok(errors.some((d) => d.path === `aws.${field}` && d.severity === 'error'), errors.map((d) => `${d.path}: ${d.message}`).join('\n'));
  }
});
