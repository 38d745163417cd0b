import { error, warning } from '../../diagnostics.js';
import { DEFAULTS } from '../../model/defaults.js';
import { parseDuration } from '../../model/duration.js';
import type { HealthCheck, Pool } from '../../model/model.js';
import { yamlScalar } from '../../render/escape.js';
import { type Decision, decision } from '../target.js';
import { ALB_RANGES as R, clampCount, clampSeconds } from './clamp.js';
import type { Ctx, TargetGroupView } from './view.js';

type HealthCheckView = TargetGroupView['healthCheck'];

/**
 * The target group's health check. ALB checks every instance or ip target and cannot be told not
 * to, so a pool without one gets the contract's defaults on "/" with the widest success range.
 */
export function healthCheckView(ctx: Ctx, pool: Pool, note: (d: Decision) => void): HealthCheckView {
  const hc = pool.healthCheck;
  if (!hc) {
    const interval = parseDuration(DEFAULTS.pools.healthCheck.interval) / 1000;
    const view = { path: yamlScalar('/'), interval, timeout: interval / 2, healthy: DEFAULTS.pools.healthCheck.rise, unhealthy: DEFAULTS.pools.healthCheck.fall, matcher: yamlScalar(`${R.matcher.min}-${R.matcher.max}`) };
    note(decision('activeHealthCheck', 'approximated', `ALB always health-checks its targets and pool "${pool.id}" has no healthCheck: its target group checks GET / every ${interval} s and counts any status ${R.matcher.min}-${R.matcher.max} as healthy, so only a target that does not answer or answers 5xx leaves rotation`, pool.pointer));
    return view;
  }
  const interval = clampSeconds(ctx, hc.interval, R.healthCheckInterval, `${hc.pointer}/interval`);
  let timeout = clampSeconds(ctx, hc.timeout, R.healthCheckTimeout, `${hc.pointer}/timeout`);
  if (timeout >= interval) {
    // Rounding up to whole seconds (9500ms of a 10s interval) can meet the interval; AWS refuses that.
    ctx.diagnostics.push(warning(`${hc.pointer}/timeout`, `ALB health-check timeout must be shorter than the interval (${interval} s): ${timeout} s becomes ${interval - 1} s`));
    timeout = interval - 1;
  }
  const view = {
    path: yamlScalar(hc.path),
    interval,
    timeout,
    healthy: clampCount(ctx, hc.rise, R.threshold, `${hc.pointer}/rise`),
    unhealthy: clampCount(ctx, hc.fall, R.threshold, `${hc.pointer}/fall`),
    matcher: yamlScalar(matcher(ctx, hc)),
  };
  note(decision('activeHealthCheck', 'native', `target group health check GET ${hc.path} every ${interval} s (timeout ${timeout} s, healthy after ${view.healthy}, unhealthy after ${view.unhealthy}, success ${matcher(null, hc)}); Host: the target's IP address (not configurable): an application that validates Host must accept it on ${hc.path}`, hc.pointer));
  if (hc.host.from === 'healthCheck.host') {
    note(decision('activeHealthCheck', 'approximated', `an ALB health check always sends the target's IP address as Host and cannot send another: healthCheck.host ${hc.host.name} applies to HAProxy only`, `${hc.pointer}/host`));
  }
  return view;
}

/** Matcher.HttpCode: "200" or "200-399"; ALB accepts codes 200-499 only. Warns when ctx is given. */
function matcher(ctx: Ctx | null, hc: HealthCheck): string {
  const { min, max } = hc.expectStatus;
  const lo = Math.min(R.matcher.max, Math.max(R.matcher.min, min));
  const hi = Math.min(R.matcher.max, Math.max(R.matcher.min, max));
  const text = (a: number, b: number) => (a === b ? String(a) : `${a}-${b}`);
  if (ctx && (max < R.matcher.min || min > R.matcher.max)) {
    // Clamping would change the meaning (503 → 499): every healthy target would fail its checks.
    ctx.diagnostics.push(error(`${hc.pointer}/expectStatus`, `ALB ${R.matcher.what} must be within ${R.matcher.min}-${R.matcher.max}: no code of ${text(min, max)} is, so the target group cannot check this pool as the topology says`));
  } else if (ctx && (lo !== min || hi !== max)) {
    ctx.diagnostics.push(warning(`${hc.pointer}/expectStatus`, `ALB ${R.matcher.what} must be within ${R.matcher.min}-${R.matcher.max}: ${text(min, max)} becomes ${text(lo, hi)}`));
  }
  return text(lo, hi);
}
