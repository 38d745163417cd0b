import { error } from '../../diagnostics.js';
import { DEFAULTS } from '../../model/defaults.js';
import { parseDuration } from '../../model/duration.js';
import type { Pool } from '../../model/model.js';
import { yamlScalar } from '../../render/escape.js';
import { type Decision, decision } from '../target.js';
import { ALB_RANGES as R, clampSeconds } from './clamp.js';
import type { AttributeView, Ctx } from './view.js';

export const attribute = (key: string, value: string | number | boolean): AttributeView => ({ key, value: yamlScalar(String(value)) });

/** AWS reserves these prefixes for its own cookies (TargetGroupAttribute stickiness.app_cookie.cookie_name). */
const RESERVED_COOKIE = /^AWSALB/;

/**
 * Stickiness and algorithm attributes of a pool's target group. ALB has no source-IP affinity
 * (source_ip stickiness is NLB-only) and no hashing: its load-balancer cookie is the closest.
 */
export function balancingAttributes(ctx: Ctx, pool: Pool, note: (d: Decision) => void): AttributeView[] {
  const algorithm = pool.balance === 'least-connections' ? 'least_outstanding_requests' : 'round_robin';
  if (pool.balance === 'least-connections') {
    note(decision('balance', 'native', 'load_balancing.algorithm.type least_outstanding_requests (the nearest ALB has to least connections)', `${pool.pointer}/balance`));
  }
  return [attribute('load_balancing.algorithm.type', algorithm), ...stickiness(ctx, pool, note)];
}

function stickiness(ctx: Ctx, pool: Pool, note: (d: Decision) => void): AttributeView[] {
  const s = pool.sticky;
  if (s?.by === 'cookie' && s.setBy === 'application') {
    if (RESERVED_COOKIE.test(s.cookie)) {
      ctx.diagnostics.push(error(`${s.pointer}/cookie`, `ALB reserves cookie names starting with AWSALB for itself: app_cookie cannot follow "${s.cookie}"`));
    }
    const seconds = clampSeconds(ctx, s.ttl, R.cookieDuration, `${s.pointer}/ttl`);
    note(decision('stickyAppCookie', 'native', `app_cookie stickiness on the application's cookie ${s.cookie} (${seconds} s)`, s.pointer));
    return [
      attribute('stickiness.enabled', true),
      attribute('stickiness.type', 'app_cookie'),
      attribute('stickiness.app_cookie.cookie_name', s.cookie),
      attribute('stickiness.app_cookie.duration_seconds', seconds),
    ];
  }
  if (!s && pool.balance !== 'source-ip-hash') return [attribute('stickiness.enabled', false)];
  const ttl = s ? s.ttl : parseDuration(DEFAULTS.pools.sticky.ttl);
  const seconds = s ? clampSeconds(ctx, ttl, R.cookieDuration, `${s.pointer}/ttl`) : ttl / 1000;
  if (!s) {
    note(decision('balance', 'approximated', `ALB cannot hash on the client address: pool "${pool.id}" picks a new client's target round robin and keeps the client there with the load balancer's cookie (lb_cookie, ${seconds} s); clients without cookies are not kept`, `${pool.pointer}/balance`));
  } else if (s.by === 'source-ip') {
    note(decision('stickySourceIp', 'approximated', `ALB has no source-IP stickiness (source_ip is NLB-only): pool "${pool.id}" keeps a client on its target with the load balancer's cookie instead (lb_cookie, ${seconds} s); clients without cookies are not kept`, s.pointer));
  } else {
    // The name is AWS's own: a name other than lbgen's default was chosen for a reason (an application or CDN reads it), so say so.
    const named = s.cookie !== DEFAULTS.pools.sticky.cookie;
    note(decision('stickyCookie', named ? 'approximated' : 'native', named
      ? `ALB names its stickiness cookie AWSALB (and AWSALBCORS) itself: pool "${pool.id}" is kept by lb_cookie, ${seconds} s, not by a cookie named "${s.cookie}" as on nginx and HAProxy`
      : `lb_cookie stickiness, ${seconds} s (AWS names the cookie AWSALB itself)`, named ? `${s.pointer}/cookie` : s.pointer));
  }
  return [
    attribute('stickiness.enabled', true),
    attribute('stickiness.type', 'lb_cookie'),
    attribute('stickiness.lb_cookie.duration_seconds', seconds),
  ];
}
