import { error } from '../../diagnostics.js';
import type { Canary, Route } from '../../model/model.js';
import { ALB_RANGES as R, clampSeconds } from './clamp.js';
import { yamlScalar } from '../../render/escape.js';
import { decision, inheritedNote } from '../target.js';
import type { ActionView, Ctx } from './view.js';

/**
 * AWS listener-rule limits (ALB guide, "Condition types for listener rules", and the quota
 * "Condition values per rule"): at most 3 values in one condition, 5 values across a rule's
 * conditions, and 128 characters per path pattern.
 */
export const VALUES_PER_CONDITION = 3;
export const VALUES_PER_RULE = 5;
const PATH_PATTERN_MAX = 128;

export const forward = (targetGroup: string): ActionView => ({ forward: targetGroup, weighted: null, fixed: null, redirect: null });
export const fixedResponse = (status: 403 | 404): ActionView => ({
  forward: null,
  weighted: null,
  fixed: { status: yamlScalar(String(status)), body: yamlScalar(status === 403 ? 'Forbidden' : 'Not Found') },
  redirect: null,
});
export const redirectTo = (port: number): ActionView => ({ forward: null, weighted: null, fixed: null, redirect: { port: yamlScalar(String(port)) } });

/** One listener rule before it is given a listener and a priority. Values are YAML tokens. */
export type RuleSpec = { comment: string; paths: string[] | null; header: HeaderCondition | null; sourceIps: string[] | null; action: ActionView };

export type HeaderCondition = { name: string; values: string[] };

export type Routing = { rules: RuleSpec[]; defaultAction: ActionView };

/** A way a route's requests can go: a header condition (null: none) and the action it takes. */
type Variant = { label: string; header: HeaderCondition | null; action: ActionView };

/**
 * The routes as rules in priority order. Model routes come longest path first, so ascending
 * priorities keep longest-prefix-first. A path P matches "P" and "P/*" (not "Px"); "/" is the
 * listener's default action. An allowFrom list longer than a rule holds is split over consecutive
 * rules, each forwarding its share of sources; one rule after them answers 403 to everyone else.
 * A canary's forcing header and cookie come first, as rules of their own (canaryVariants), then
 * the weighted forward; with an allowFrom, each of them once per share of sources.
 */
export function routing(ctx: Ctx, targetGroups: ReadonlyMap<string, string>): Routing {
  const rules: RuleSpec[] = [];
  let defaultAction = fixedResponse(404);
  for (const route of ctx.model.routes) {
    const tg = targetGroups.get(route.pool.id)!;
    const paths = route.path === '/' ? null : pathPatterns(ctx, route);
    const label = `routes[${route.index}] ${route.path} -> pool ${route.pool.id}`;
    const variants = route.canary ? canaryVariants(ctx, route, route.canary, tg, targetGroups.get(route.canary.pool.id)!) : [];
    const main = variants.pop()?.action ?? forward(tg);
    if (!route.allowFrom) {
      for (const v of variants) rules.push({ comment: `${label}, ${v.label}`, paths, header: v.header, sourceIps: null, action: v.action });
      if (paths) rules.push({ comment: label, paths, header: null, sourceIps: null, action: main });
      else defaultAction = main;
      continue;
    }
    const all = [...variants, { label: '', header: null, action: main }];
    let rulesOfRoute = 0;
    let room = VALUES_PER_CONDITION;
    for (const v of all) {
      room = Math.min(VALUES_PER_CONDITION, VALUES_PER_RULE - (paths?.length ?? 0) - (v.header?.values.length ?? 0));
      const chunks = chunk(route.allowFrom.map((c) => yamlScalar(c.text)), room);
      chunks.forEach((ips, i) => rules.push({ comment: `${label}${v.label ? `, ${v.label}` : ''}, allowed sources (part ${i + 1} of ${chunks.length})`, paths, header: v.header, sourceIps: ips, action: v.action }));
      rulesOfRoute += chunks.length;
    }
    if (paths) rules.push({ comment: `${label}: anyone else gets 403`, paths, header: null, sourceIps: null, action: fixedResponse(403) });
    else defaultAction = fixedResponse(403);
    const how = `${inheritedNote(route)}listener rules with a source-ip condition (${room} addresses a rule, ${rulesOfRoute} rule(s)${variants.length ? ` with the canary's ${variants.length} forcing conditions` : ''}) forward; then ${paths ? 'a rule' : 'the default action'} answers 403`;
    // Path patterns have `*` and `?` but no case folding: the variants of a path are 2^letters patterns, past any quota.
    if (paths) ctx.decisions.push(decision('allowFrom', 'approximated', `${how}. ALB path patterns are case-sensitive: ${route.path.toUpperCase()} (or any other letter case of ${route.path}) escapes these rules and goes where the others send it, from any client (nginx and HAProxy answer 403); a backend that ignores case must enforce this allow-list itself`, route.allowFromPointer));
    else ctx.decisions.push(decision('allowFrom', 'native', how, route.allowFromPointer));
  }
  return { rules, defaultAction };
}

/**
 * A canary on the ALB: rules for the forcing header (always, never) and cookie (always, never),
 * then, last, the weighted forward whose group stickiness keeps a client on the target group it
 * got (AWSALBTG cookie). The ALB's header values match ignoring letter case and take * wildcards:
 * the cookie is found at the start of the Cookie header or after "; ".
 */
function canaryVariants(ctx: Ctx, route: Route, c: Canary, stable: string, canary: string): Variant[] {
  const seconds = clampSeconds(ctx, c.ttl, R.groupStickiness, `${c.pointer}/ttl`);
  const side = (v: 'always' | 'never') => (v === 'always' ? forward(canary) : forward(stable));
  const out: Variant[] = [];
  for (const v of ['always', 'never'] as const) {
    if (c.header) out.push({ label: `${c.header}: ${v}`, header: { name: yamlScalar(c.header), values: [yamlScalar(v)] }, action: side(v) });
  }
  for (const v of ['always', 'never'] as const) {
    out.push({ label: `cookie ${c.cookie}=${v}`, header: { name: yamlScalar('Cookie'), values: [yamlScalar(`${c.cookie}=${v}*`), yamlScalar(`*; ${c.cookie}=${v}*`)] }, action: side(v) });
  }
  out.push({ label: 'weighted', header: null, action: { forward: null, weighted: { targets: [{ targetGroup: stable, weight: 100 - c.weight }, { targetGroup: canary, weight: c.weight }], seconds }, fixed: null, redirect: null } });
  const place = `a weighted forward (${100 - c.weight} to pool ${route.pool.id}, ${c.weight} to pool ${c.pool.id}) with target group stickiness (${seconds} s): a new client is placed at random, and kept by the ALB's own cookie AWSALBTG, not by ${c.cookie} (which the ALB does not set); a client without cookies is placed anew on each request`;
  ctx.decisions.push(decision('canary', 'approximated', `${place}. Listener rules before it force the side: ${c.header ? `${c.header}: always or never (any letter case); ` : ''}cookie ${c.cookie}=always or never, matched with wildcards on the Cookie header (${c.cookie}=alwaysX matches too)`, c.pointer));
  return out;
}

function pathPatterns(ctx: Ctx, route: Route): string[] {
  const prefix = `${route.path}/*`;
  if (prefix.length > PATH_PATTERN_MAX) {
    ctx.diagnostics.push(error(`${route.pointer}/path`, `ALB path patterns are at most ${PATH_PATTERN_MAX} characters: "${prefix}" has ${prefix.length}`));
  }
  return [yamlScalar(route.path), yamlScalar(prefix)];
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
