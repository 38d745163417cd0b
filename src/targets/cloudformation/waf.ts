import { error } from '../../diagnostics.js';
import { type Route, allRoutes } from '../../model/model.js';
import { yamlScalar } from '../../render/escape.js';
import { decision } from '../target.js';
import { ALB_RANGES as R, clampCount } from './clamp.js';
import type { ByteMatchView, Ctx, ScopeDownView, WafView } from './view.js';

/** AWS WAF fixed quota "Maximum number of rate-based rules per web ACL". */
export const WAF_RATE_RULES_MAX = 10;
/** The shortest EvaluationWindowSec WAF offers (60, 120, 300 or 600). */
export const WAF_WINDOW_SECONDS = 60;

/** The most requests nginx's limit_req (rate + burst, nodelay) lets one client send in a window. */
export const wafLimit = (route: Route): number => route.rateLimit!.perSecond * WAF_WINDOW_SECONDS + route.rateLimit!.burst;

/**
 * ALB has no rate limiting of its own. With aws.waf, each rate-limited route becomes a WAF
 * rate-based rule per client IP over WAF's shortest window, scoped down to the requests that
 * route serves; without it, a warning per route.
 */
export function wafView(ctx: Ctx): WafView | null {
  // A WAF rule's scope-down here matches paths only: for a site's route it would also count the
  // same paths on every other host. Not made, and said so.
  for (const r of allRoutes(ctx.model).filter((x) => x.site !== null && x.rateLimit)) {
    ctx.decisions.push(decision('rateLimit', 'unsupported', `ALB: the rate limit of ${r.label} ${r.path} is not made (lbgen's WAF rate rules match paths, not hosts, and would also count the same paths of the other sites); nginx and HAProxy apply it`, r.rateLimit!.pointer));
  }
  // The body-size rules match paths only too: the same.
  for (const r of allRoutes(ctx.model).filter((x) => x.site !== null && x.maxBodySize)) {
    ctx.decisions.push(decision('maxBodySize', 'unsupported', `ALB: the body limit of ${r.label} ${r.path} is not made (lbgen's WAF size rules match paths, not hosts, and would also limit the same paths of the other sites); nginx and HAProxy answer 413 beyond ${r.maxBodySize!.text}`, r.maxBodySize!.pointer));
  }
  // File order: the rule priorities and the quota error follow the topology as written.
  const limited = ctx.model.routes.filter((r) => r.rateLimit).sort((a, b) => a.index - b.index);
  const sized = ctx.model.routes.filter((r) => r.maxBodySize).sort((a, b) => a.index - b.index);
  if (!limited.length && !sized.length) return null;
  if (!ctx.model.aws.waf) {
    for (const r of limited) {
      ctx.decisions.push(decision('rateLimit', 'unsupported', `ALB has no rate limiting: ${r.label} ${r.path} (${r.rateLimit!.perSecond}/s, burst ${r.rateLimit!.burst}) is not limited; set aws.waf: true for an AWS WAF rate-based rule (429 beyond ${wafLimit(r)} requests per client IP in ${WAF_WINDOW_SECONDS} s)`, r.rateLimit!.pointer));
    }
    for (const r of sized) {
      ctx.decisions.push(decision('maxBodySize', 'unsupported', `ALB has no request body limit: ${r.label} ${r.path} passes a body of any size (nginx and HAProxy answer 413 beyond ${r.maxBodySize!.text}); set aws.waf: true for an AWS WAF size rule, or the application must refuse one itself`, r.maxBodySize!.pointer));
    }
    return null;
  }
  limited.slice(WAF_RATE_RULES_MAX).forEach((r) => {
    ctx.diagnostics.push(error(r.rateLimit!.pointer, `AWS WAF quota: at most ${WAF_RATE_RULES_MAX} rate-based rules per web ACL (fixed); this topology rate-limits ${limited.length} routes`));
  });
  // A fixed web ACL name is unique per Region, and metric names are the WebACL and Rule dimensions of
  // WAF's CloudWatch metrics: without aws.fixedNames, CloudFormation names the web ACL and the metrics
  // carry the stack's name, so two stacks of one topology neither collide nor mix their counts.
  const fixed = ctx.model.aws.fixedNames;
  const metric = (suffix: string) => (fixed ? yamlScalar(`${ctx.model.name}-${suffix}`) : `!Sub ${yamlScalar(`\${AWS::StackName}-${suffix}`)}`);
  const rules = limited.map((r, i) => {
    const limit = clampCount(ctx, wafLimit(r), R.wafRateLimit, r.rateLimit!.pointer);
    const { perSecond, burst } = r.rateLimit!;
    ctx.decisions.push(decision('rateLimit', 'approximated', `ALB rate limiting is an AWS WAF rate-based rule: ${r.label} ${r.path} lets each client IP send ${limit} requests in any ${WAF_WINDOW_SECONDS} s (${perSecond}/s x ${WAF_WINDOW_SECONDS} + burst ${burst}), checked about every 10 s, instead of ${perSecond}/s with a burst of ${burst}; beyond it WAF answers 429${ctx.model.sites.length ? '; the rule matches paths, not hosts, so it also counts requests for these paths to the other sites' : ''}`, r.rateLimit!.pointer));
    return {
      comment: `${r.label} ${r.path}: ${perSecond}/s, burst ${burst}`,
      name: yamlScalar(`route${r.serial}-rate-limit`),
      priority: i,
      limit,
      metricName: metric(`route${r.serial}-rate-limit`),
      scopeDown: scopeDown(ctx, r),
    };
  });
  const sizeRules = sized.flatMap((r, i) => {
    const rule = sizeRule(ctx, r);
    if (!rule) return [];
    return [{ comment: `${r.label} ${r.path}: bodies up to ${r.maxBodySize!.text}`, name: yamlScalar(`route${r.serial}-body-size`), priority: limited.length + i, metricName: metric(`route${r.serial}-body-size`), scope: scopeDown(ctx, r), ...rule }];
  });
  return { name: fixed ? yamlScalar(`${ctx.model.name}-rate-limits`) : null, metricName: metric('rate-limits'), rules, sizeRules };
}

/** The ALB shows AWS WAF at most this much of a request body ("Body", AWS WAF API reference): a larger one counts as oversize. */
export const WAF_BODY_INSPECTION = 8192;
/** RegexMatchStatement's RegexString is at most 512 characters. */
const WAF_REGEX_MAX = 512;

/**
 * A route's body limit as a WAF test: up to what WAF sees of a body (8 KB), the body's size itself,
 * a larger body counting as over (OversizeHandling MATCH); beyond, only the Content-Length a client
 * declares, as a regex for the decimal numbers above the limit.
 */
function sizeRule(ctx: Ctx, r: Route): { body: number | null; declared: string | null } | null {
  const { bytes, text, pointer } = r.maxBodySize!;
  if (bytes <= WAF_BODY_INSPECTION) {
    ctx.decisions.push(decision('maxBodySize', 'native', `AWS WAF rule: a body over ${bytes} bytes on ${r.label} ${r.path} is blocked with 413 (SizeConstraint on the body; the ALB shows WAF its first 8 KB, and a larger body counts as over)`, pointer));
    return { body: bytes, declared: null };
  }
  const regex = aboveRegex(bytes);
  if (regex.length > WAF_REGEX_MAX) {
    ctx.decisions.push(decision('maxBodySize', 'unsupported', `ALB has no request body limit, and AWS WAF cannot test a Content-Length above ${text} (its regex would be ${regex.length} characters, beyond ${WAF_REGEX_MAX}): ${r.label} ${r.path} passes a body of any size`, pointer));
    return null;
  }
  ctx.decisions.push(decision('maxBodySize', 'approximated', `AWS WAF rule on the Content-Length a client declares: over ${bytes} bytes (${text}) on ${r.label} ${r.path} is blocked with 413; the ALB shows WAF only the first 8 KB of a body, so a body sent without Content-Length (chunked) is not limited, as on HAProxy`, pointer));
  return { body: null, declared: yamlScalar(regex) };
}

/** A regex matching exactly the decimal numbers (leading zeros allowed) greater than n. */
export function aboveRegex(n: number): string {
  const d = String(n);
  const alternatives = [`[1-9][0-9]{${d.length},}`];
  for (let i = 0; i < d.length; i++) {
    const digit = Number(d[i]);
    if (digit === 9) continue;
    const rest = d.length - i - 1;
    alternatives.push(`${d.slice(0, i)}[${digit + 1}-9]${rest ? `[0-9]{${rest}}` : ''}`);
  }
  return `^0*(${alternatives.join('|')})$`;
}

const matches = (path: string): ByteMatchView[] => [
  { constraint: 'EXACTLY', search: yamlScalar(path) },
  { constraint: 'STARTS_WITH', search: yamlScalar(`${path}/`) },
];

/** The route's paths, minus the longer routes under it (they win the request, as on the listener). */
function scopeDown(ctx: Ctx, route: Route): ScopeDownView | null {
  const under = (path: string, prefix: string) => prefix === '/' || path.startsWith(`${prefix}/`);
  const nested = ctx.model.routes.filter((r) => r !== route && r.path !== route.path && under(r.path, route.path));
  // /api/v1 already takes /api/v1/admin with it: only the outermost nested routes are needed.
  const outermost = nested.filter((n) => !nested.some((o) => o !== n && o.path !== n.path && under(n.path, o.path)));
  const include = route.path === '/' ? [] : matches(route.path);
  const exclude = outermost.flatMap((r) => matches(r.path));
  if (!include.length && !exclude.length) return null;
  return { includeOnly: !exclude.length, excludeOnly: !include.length, both: include.length > 0 && exclude.length > 0, include, exclude };
}
