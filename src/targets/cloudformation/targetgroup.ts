import { error, warning } from '../../diagnostics.js';
import { type Pool, type Server, serverPointer } from '../../model/model.js';
import { formatDuration } from '../../model/duration.js';
import { yamlScalar } from '../../render/escape.js';
import { type Decision, decision } from '../target.js';
import { healthCheckView } from './healthcheck.js';
import { nameTag, poolLabel } from './names.js';
import { attribute, balancingAttributes } from './stickiness.js';
import type { Ctx, TargetGroupView } from './view.js';

/** The ranges AWS accepts for ip targets of an ALB (TargetGroup TargetType): private IPv4 only, or IPv6 from the VPC. */
const PRIVATE_IPV4 = [
  [10, 0, 8],
  [172, 16, 12],
  [192, 168, 16],
  [100, 64, 10],
] as const;

function isPrivateIpv4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  const value = a * 256 + b;
  return PRIVATE_IPV4.some(([x, y, bits]) => value >> (16 - bits) === (x * 256 + y) >> (16 - bits));
}

/**
 * One target group for a pool that some route uses, with its fixed name (null: CloudFormation names
 * it), logical id and the (clamped) deregistration delay. `ipv6`: its targets are IPv6, so the load
 * balancer must be dualstack.
 */
export function targetGroupView(ctx: Ctx, pool: Pool, given: { name: string | null; logicalId: string; delay: number }): { view: TargetGroupView; ipv6: boolean } {
  const comments: string[] = [`pool ${pool.id}`];
  const note = (d: Decision) => {
    ctx.decisions.push(d);
    if (d.outcome !== 'native') comments.push(d.note);
  };
  const healthCheck = healthCheckView(ctx, pool, note);
  // Warned only when the topology asks for it: every pool has the default, and a warning per pool would bury the real gaps.
  if (pool.passive.given) note(decision('passiveHealthCheck', 'unsupported', `ALB has no passive ejection: pool "${pool.id}" loses a target only when its health check fails, not after ${pool.passive.maxFails} failed requests within ${formatDuration(pool.passive.failTimeout)}`, `${pool.pointer}/passive`));
  memberDecisions(pool, note);
  const ip = ctx.model.aws.targetType === 'ip';
  const ipv6 = ip && ipFamily(ctx, pool) === 'ipv6';
  const port = pool.members[0]!.port;
  if (!ip) checkPorts(ctx, pool, port);
  const { name, logicalId, delay } = given;
  const label = poolLabel(ctx.model, pool);
  const called = name === null ? `the target group tagged Name ${label}` : `target group ${name}`;
  const view: TargetGroupView = {
    logicalId,
    comments,
    name: name === null ? null : yamlScalar(name),
    tags: nameTag(label),
    port,
    targetType: ctx.model.aws.targetType,
    ipAddressType: ipv6 ? 'ipv6' : null,
    healthCheck,
    attributes: [attribute('deregistration_delay.timeout_seconds', delay), ...balancingAttributes(ctx, pool, note)],
    targets: ip ? pool.members.map((m) => ({ id: yamlScalar(m.address), port: m.port })) : null,
    outputDescription: yamlScalar(
      ip
        ? `ARN of ${called} (pool ${pool.id}); this template registers its servers as ip targets`
        : `ARN of ${called} (pool ${pool.id}); an Auto Scaling group attaches its instances to it (TargetGroupARNs) on port ${port}`,
    ),
  };
  return { view, ipv6 };
}

function memberDecisions(pool: Pool, note: (d: Decision) => void): void {
  if (pool.loadFeedback) {
    const nearest = pool.balance === 'least-connections'
      ? 'its least_outstanding_requests is the nearest the ALB has'
      : 'the nearest the ALB has is balance: least-connections (load_balancing.algorithm.type least_outstanding_requests)';
    note(decision('loadFeedback', 'unsupported', `ALB cannot ask a target for its load (HAProxy's agent check): pool "${pool.id}" keeps its balancing whatever its agents answer, drain included; ${nearest}: a loaded target, slower to answer, has more requests in flight and gets fewer new ones`, pool.loadFeedback.pointer));
  }
  const weighted = pool.members.filter((m) => m.weight !== 1);
  if (weighted.length) {
    const list = weighted.map((m) => `${m.id} ${m.weight}`).join(', ');
    note(decision('weights', 'approximated', `ALB has no per-target weights: pool "${pool.id}" gives every target an equal share (weights ${list} not applied)`, `${pool.pointer}/servers`));
  }
  const backups = pool.members.filter((m) => m.backup);
  if (backups.length) {
    note(decision('backupServers', 'approximated', `ALB has no backup targets: ${backups.map((m) => m.id).join(', ')} ${backups.length === 1 ? 'serves' : 'serve'} pool "${pool.id}" like any other target`, `${pool.pointer}/servers`));
  }
}

/** ip targets are registered by address: each must be one ALB accepts, and one family per target group. */
function ipFamily(ctx: Ctx, pool: Pool): 'ipv4' | 'ipv6' {
  const bad = (m: Server, why: string) => ctx.diagnostics.push(error(`${serverPointer(m)}/address`, `aws.targetType ip registers servers by IP address: ${why}`));
  for (const m of pool.members) {
    if (m.family === 'hostname') bad(m, `"${m.address}" is a host name (use targetType instance, or the server's IP address)`);
    else if (m.family === 'ipv4' && !isPrivateIpv4(m.address)) bad(m, `ALB accepts only private IPv4 targets (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10), not ${m.address}`);
  }
  const families = new Set(pool.members.filter((m) => m.family !== 'hostname').map((m) => m.family));
  if (families.size > 1) {
    ctx.diagnostics.push(error(`${pool.pointer}/servers`, `an ALB target group holds IPv4 or IPv6 targets, not both: split pool "${pool.id}" by address family`));
  }
  return families.has('ipv6') && families.size === 1 ? 'ipv6' : 'ipv4';
}

/** An Auto Scaling group registers every instance on the target group's one port. */
function checkPorts(ctx: Ctx, pool: Pool, port: number): void {
  const others = pool.members.filter((m) => m.port !== port);
  if (others.length) {
    const list = others.map((m) => `${m.id} (${m.port})`).join(', ');
    ctx.diagnostics.push(warning(`${pool.pointer}/servers`, `ALB instance targets of pool "${pool.id}" are all registered on port ${port}: ${list} listen elsewhere (use targetType ip to register each server's own port)`));
  }
}
