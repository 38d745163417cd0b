import { error } from '../../diagnostics.js';
import type { Ctx, RuleView, TargetGroupView } from './view.js';
import type { RuleSpec } from './listener-rules.js';
import { type Site, everySite } from '../../model/model.js';

/**
 * With sites, the rules each site needs (a site's rules repeat for each group of its hosts), and
 * the place of the one that needs the most, where the quota error goes: it names the sites.
 */
function heaviestSite(ctx: Ctx, specs: readonly RuleSpec[], listeners: number): { pointer: string; bySite: string } {
  if (ctx.model.sites.length === 0) return { pointer: '/routes', bySite: '' };
  const count = new Map<Site, number>();
  for (const s of specs) count.set(s.site, (count.get(s.site) ?? 0) + listeners);
  const sites = everySite(ctx.model).filter((s) => count.has(s));
  const most = sites.reduce((a, s) => (count.get(s)! > count.get(a)! ? s : a), sites[0]!);
  return {
    pointer: most.id === null ? '/routes' : `${most.pointer}/routes`,
    bySite: `: ${sites.map((s) => `${s.label} ${count.get(s)!}`).join(', ')}; ${most.label} needs the most`,
  };
}

/**
 * Application Load Balancer quotas ("Quotas for your Application Load Balancers", ELB guide).
 * Rules and targets are default quotas that Service Quotas can raise; target groups per load
 * balancer cannot be raised. A template over any of them fails to deploy as it is, so each is an
 * error that names the quota.
 */
export const ALB_QUOTAS = {
  rulesPerLoadBalancer: 100,
  targetGroupsPerLoadBalancer: 100,
  targetsPerLoadBalancer: 1000,
  /** Listener rule priorities are 1-50000 (CreateRule). */
  maxPriority: 50_000,
} as const;

/** Adds an error per quota exceeded; true when any is. */
export function checkQuotas(ctx: Ctx, targetGroups: readonly TargetGroupView[], rules: readonly RuleView[], specs: readonly RuleSpec[]): boolean {
  const q = ALB_QUOTAS;
  const before = ctx.diagnostics.length;
  if (targetGroups.length > q.targetGroupsPerLoadBalancer) {
    ctx.diagnostics.push(error('/pools', `AWS quota: at most ${q.targetGroupsPerLoadBalancer} target groups per Application Load Balancer (not adjustable); the routes use ${targetGroups.length} pools, one target group each`));
  }
  if (rules.length > q.rulesPerLoadBalancer) {
    const listeners = new Set(rules.map((r) => r.listener)).size;
    const { pointer, bySite } = heaviestSite(ctx, specs, listeners);
    ctx.diagnostics.push(error(pointer, `AWS quota: at most ${q.rulesPerLoadBalancer} listener rules per Application Load Balancer, default rules excluded (a default quota: Service Quotas can raise it); these routes need ${rules.length}${listeners > 1 ? ` (${rules.length / listeners} on each of ${listeners} listeners)` : ''}${bySite}`));
  }
  const highest = rules.reduce((n, r) => Math.max(n, r.priority), 0);
  if (highest > q.maxPriority) {
    ctx.diagnostics.push(error('/routes', `ALB listener rule priorities are 1-${q.maxPriority}; these routes need ${highest}`));
  }
  const targets = targetGroups.reduce((n, tg) => n + (tg.targets?.length ?? 0), 0);
  if (targets > q.targetsPerLoadBalancer) {
    ctx.diagnostics.push(error('/servers', `AWS quota: at most ${q.targetsPerLoadBalancer} targets per Application Load Balancer (a default quota: Service Quotas can raise it); aws.targetType ip registers ${targets} (each server once per pool)`));
  }
  return ctx.diagnostics.length > before;
}
