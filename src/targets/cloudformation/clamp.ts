import { warning } from '../../diagnostics.js';
import { formatDuration, toSeconds } from '../../model/duration.js';
import type { Millis } from '../../model/model.js';
import type { Ctx } from './view.js';

/**
 * The ranges AWS accepts, from the Elastic Load Balancing API reference (CreateTargetGroup,
 * LoadBalancerAttribute, TargetGroupAttribute, Matcher) and the WAF API (RateBasedStatement).
 * cfn-lint checks none of the attribute values and not all of the properties, so these are ours.
 */
export const ALB_RANGES = {
  healthCheckInterval: { min: 5, max: 300, what: 'health-check interval' },
  healthCheckTimeout: { min: 2, max: 120, what: 'health-check timeout' },
  threshold: { min: 2, max: 10, what: 'health-check threshold count' },
  matcher: { min: 200, max: 499, what: 'health-check success code' },
  cookieDuration: { min: 1, max: 604_800, what: 'stickiness duration' },
  /** TargetGroupStickinessConfig DurationSeconds: a canary's hold on a client. */
  groupStickiness: { min: 1, max: 604_800, what: 'target group stickiness duration' },
  idleTimeout: { min: 1, max: 4000, what: 'idle timeout' },
  deregistrationDelay: { min: 0, max: 3600, what: 'deregistration delay' },
  /** WAF's fixed minimum since 2024 (it was 100 before); the maximum is 2,000,000,000. */
  wafRateLimit: { min: 10, max: 2_000_000_000, what: 'WAF rate-based rule limit' },
} as const;

export type Range = { readonly min: number; readonly max: number; readonly what: string };

const within = (n: number, r: Range): number => Math.min(r.max, Math.max(r.min, n));

/** A count clamped into `r`; a warning naming both values when it moves. */
export function clampCount(ctx: Ctx, n: number, r: Range, pointer: string): number {
  const v = within(n, r);
  if (v !== n) ctx.diagnostics.push(warning(pointer, `ALB ${r.what} must be ${r.min}-${r.max}: ${n} becomes ${v}`));
  return v;
}

/**
 * A duration as the whole seconds AWS takes, clamped into `r`. Rounding up is silent (the core's
 * toSeconds: never less than asked); a clamp warns, naming the topology's value and the result.
 */
export function clampSeconds(ctx: Ctx, ms: Millis, r: Range, pointer: string, label = r.what): number {
  const rounded = toSeconds(ms);
  const v = within(rounded, r);
  if (v !== rounded) ctx.diagnostics.push(warning(pointer, `ALB ${label} must be ${r.min}-${r.max} s: ${formatDuration(ms)} becomes ${v} s`));
  return v;
}
