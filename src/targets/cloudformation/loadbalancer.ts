import { error, warning } from '../../diagnostics.js';
import { formatDuration, toSeconds } from '../../model/duration.js';
import { type Pool, allRoutes } from '../../model/model.js';
import { yamlScalar } from '../../render/escape.js';
import { decision } from '../target.js';
import { ALB_RANGES as R, clampSeconds } from './clamp.js';
import { attribute } from './stickiness.js';
import { nameTag } from './names.js';
import type { AttributeView, CfnView, Ctx, IngressView, LoadBalancerView } from './view.js';

/** ALB's own default idle timeout, used when no WebSocket route asks for longer. */
const DEFAULT_IDLE_SECONDS = 60;

/**
 * The load balancer, tagged Name with the topology's name; with aws.fixedNames that is its physical
 * Name too (the schema keeps it to 32 characters), else CloudFormation names it after the stack.
 */
export function loadBalancerView(ctx: Ctx, dualstack: boolean): LoadBalancerView {
  const m = ctx.model;
  if (m.aws.fixedNames && m.name.startsWith('internal-')) {
    ctx.diagnostics.push(error('/name', 'AWS refuses load balancer names that begin with "internal-": rename the topology'));
  }
  if (dualstack && m.aws.scheme === 'internal') {
    ctx.diagnostics.push(error('/aws/scheme', 'IPv6 targets need a dualstack load balancer, and AWS requires internal load balancers to use ipv4'));
  }
  const attributes: AttributeView[] = [
    attribute('idle_timeout.timeout_seconds', idleTimeout(ctx)),
    attribute('routing.http2.enabled', m.tls?.http2 ?? false),
    // Header names that are not valid HTTP tokens are dropped, as nginx (ignore_invalid_headers) and
    // HAProxy (which refuses the request) never pass them on; the ALB passes them by default.
    attribute('routing.http.drop_invalid_header_fields.enabled', true),
    // Said either way, so the template shows whether a stack delete will be refused.
    attribute('deletion_protection.enabled', m.aws.deletionProtection),
    ...accessLogAttributes(ctx),
  ];
  return {
    name: m.aws.fixedNames ? yamlScalar(m.name) : null,
    tags: nameTag(m.name),
    scheme: m.aws.scheme,
    ipAddressType: dualstack ? 'dualstack' : 'ipv4',
    dependsOnLogPolicy: m.aws.accessLogs?.create ?? false,
    attributes,
  };
}

/**
 * aws.idleTimeout when given; else the longest tunnel of the pools behind WebSocket routes, since
 * the ALB's idle timeout is what ends an idle WebSocket; else ALB's 60 s. Clamped to 1-4000 s.
 */
function idleTimeout(ctx: Ctx): number {
  const m = ctx.model;
  const pools = [...new Set(allRoutes(m).filter((r) => r.websocket).map((r) => r.pool))];
  const longest = pools.reduce<Pool | null>((a, p) => (a && a.timeouts.tunnel >= p.timeouts.tunnel ? a : p), null);
  let seconds: number;
  if (m.aws.idleTimeout !== null) {
    seconds = clampSeconds(ctx, m.aws.idleTimeout, R.idleTimeout, '/aws/idleTimeout');
    if (longest && toSeconds(longest.timeouts.tunnel) > seconds) {
      ctx.diagnostics.push(warning('/aws/idleTimeout', `ALB closes a WebSocket idle for ${seconds} s (aws.idleTimeout ${formatDuration(m.aws.idleTimeout)}), shorter than the tunnel timeout ${formatDuration(longest.timeouts.tunnel)} of pool "${longest.id}"`));
    }
  } else if (longest) {
    seconds = clampSeconds(ctx, longest.timeouts.tunnel, R.idleTimeout, `${longest.pointer}/timeouts/tunnel`, `idle timeout (derived from the WebSocket tunnel timeout of pool "${longest.id}")`);
  } else {
    seconds = DEFAULT_IDLE_SECONDS;
  }
  // The idle timeout also ends a plain request whose server takes longer to answer.
  const routed = new Set(allRoutes(m).map((r) => r.pool));
  for (const p of m.pools.filter((x) => routed.has(x) && toSeconds(x.timeouts.server) > seconds)) {
    ctx.diagnostics.push(warning(`${p.pointer}/timeouts/server`, `ALB closes a connection idle for ${seconds} s: a server of pool "${p.id}" that takes longer than that to answer (timeouts.server ${formatDuration(p.timeouts.server)}) is cut off there, where nginx and HAProxy wait (raise aws.idleTimeout)`));
  }
  // Shorter server timeouts have no ALB equivalent either: its only response timeout is the idle one.
  const waiting = m.pools.filter((x) => routed.has(x) && toSeconds(x.timeouts.server) < seconds);
  if (waiting.length) {
    const first = waiting[0]!;
    const quoted = waiting.slice(0, 3).map((p) => `"${p.id}"`);
    const names = waiting.length === 1 ? `pool ${quoted[0]}` : `pools ${quoted.join(', ')}${waiting.length > 3 ? ` and ${waiting.length - 3} more` : ''}`;
    ctx.decisions.push(decision('timeouts', 'approximated', `ALB has no per-pool response timeout: a slow answer from ${names} waits up to the idle timeout ${seconds} s, where nginx and HAProxy give up after the pool's timeouts.server (${formatDuration(first.timeouts.server)} for "${first.id}") and answer 504; timeouts.connect is AWS's own too`, `${first.pointer}/timeouts/server`));
  }
  for (const r of allRoutes(m).filter((x) => x.websocket)) {
    ctx.decisions.push(decision('websocket', 'native', `ALB forwards WebSocket upgrades on its HTTP/HTTPS listeners; an idle connection closes after idle_timeout.timeout_seconds ${seconds}`, `${r.pointer}/websocket`));
  }
  return seconds;
}

/** An existing bucket is used as it is; a created one is referenced (the template makes it and its policy). */
function accessLogAttributes(ctx: Ctx): AttributeView[] {
  const a = ctx.model.aws.accessLogs;
  // monitoring.accessLog chooses the proxies' format; the ALB writes AWS's own, and only to S3 when asked.
  if (!a) {
    const given = ctx.model.monitoring.accessLogGiven;
    ctx.decisions.push(decision('accessLog', given ? 'unsupported' : 'native', `ALB writes no access log unless aws.accessLogs names an S3 bucket (or create: true); then in AWS's own format, not ${ctx.model.monitoring.accessLog}`, given ? '/monitoring/accessLog' : '/monitoring'));
    return [];
  }
  ctx.decisions.push(decision('accessLog', 'native', `access_logs.s3.* attributes: AWS's own log format (not ${ctx.model.monitoring.accessLog}) to S3`, a.pointer));
  if (a.prefix !== null && /AWSLogs/.test(a.prefix)) {
    ctx.diagnostics.push(error(`${a.pointer}/prefix`, 'ALB access-log prefixes must not contain "AWSLogs" (AWS adds AWSLogs/<account> after the prefix itself)'));
  }
  const bucket: AttributeView = a.create ? { key: 'access_logs.s3.bucket', value: '!Ref AccessLogsBucket' } : attribute('access_logs.s3.bucket', a.bucket!);
  return [attribute('access_logs.s3.enabled', true), bucket, ...(a.prefix !== null ? [attribute('access_logs.s3.prefix', a.prefix)] : [])];
}

/** The policy's Resource: where ELB writes, bucket[/prefix]/AWSLogs/<account>/... */
export function logPolicyResource(ctx: Ctx): string {
  const prefix = ctx.model.aws.accessLogs?.prefix;
  return yamlScalar(`arn:\${AWS::Partition}:s3:::\${AccessLogsBucket}/${prefix ? `${prefix}/` : ''}AWSLogs/\${AWS::AccountId}/*`);
}

/** Routes whose own allowFrom holds IPv6 networks (an inherited list is said once, at its route). */
const ipv6Allowed = (ctx: Ctx) => allRoutes(ctx.model).filter((r) => !r.inheritsFrom && (r.allowFrom ?? []).some((c) => c.family === 6));

/**
 * IPv6 networks in an allowFrom need IPv6 clients: an internet-facing load balancer is made
 * dualstack for them (nginx and HAProxy listen on IPv6 too), else those routes would refuse
 * everyone they allow. Its subnets then need IPv6 CIDR blocks.
 */
export function ipv6Clients(ctx: Ctx): boolean {
  const routes = ipv6Allowed(ctx);
  if (routes.length === 0 || ctx.model.aws.scheme === 'internal') return false;
  ctx.decisions.push(decision('allowFrom', 'native', `IpAddressType dualstack, for the IPv6 networks of ${routes.map((r) => r.label).join(', ')} (the subnets need IPv6 CIDR blocks)`, `${routes[0]!.pointer}/allowFrom`));
  return true;
}

/** An IPv4-only (internal) load balancer never sees an IPv6 client: IPv6 networks in an allowFrom cannot match there. */
export function ipv4OnlyWarnings(ctx: Ctx): void {
  for (const r of ipv6Allowed(ctx)) {
    const v6 = r.allowFrom!.filter((c) => c.family === 6);
    ctx.diagnostics.push(warning(`${r.pointer}/allowFrom`, `the ALB takes IPv4 clients only (an internal load balancer is ipv4): ${v6.map((c) => c.text).join(', ')} in ${r.label} can never match there`));
  }
}

/**
 * Open on each listener's port: an internet-facing load balancer to every address (IPv6 too when it
 * is dualstack; allowFrom is enforced by the listener rules), an internal one (always IPv4) only to
 * the network of the VpcCidr parameter: 0.0.0.0/0 would also admit every peered VPC and on-premises
 * network routed to the VPC (a wider VpcCidr admits them on purpose).
 */
export function securityGroupView(ctx: Ctx, dualstack: boolean): CfnView['securityGroup'] {
  const m = ctx.model;
  const internal = m.aws.scheme === 'internal';
  const ports = [{ port: m.listen.http, name: 'HTTP' }, ...(m.listen.https !== null ? [{ port: m.listen.https, name: 'HTTPS' }] : [])];
  const ingress = ports.flatMap(({ port, name }): IngressView[] => [
    internal
      ? { port, cidrKey: 'CidrIp', cidr: '!Ref VpcCidr', description: yamlScalar(`${name} listener, from the VPC`) }
      : { port, cidrKey: 'CidrIp', cidr: yamlScalar('0.0.0.0/0'), description: yamlScalar(`${name} listener`) },
    ...(dualstack ? [{ port, cidrKey: 'CidrIpv6' as const, cidr: yamlScalar('::/0'), description: yamlScalar(`${name} listener (IPv6)`) }] : []),
  ]);
  return {
    description: yamlScalar(internal ? 'Load balancer listeners, open to the VPC (parameter VpcCidr)' : 'Load balancer listeners, open to every client'),
    ingress,
    tags: nameTag(m.name),
  };
}
