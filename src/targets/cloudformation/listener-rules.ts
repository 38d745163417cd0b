import { error } from '../../diagnostics.js';
import type { Route } from '../../model/model.js';
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

export const forward = (targetGroup: string): ActionView => ({ forward: targetGroup, fixed: null, redirect: null });
export const fixedResponse = (status: 403 | 404): ActionView => ({
  forward: null,
  fixed: { status: yamlScalar(String(status)), body: yamlScalar(status === 403 ? 'Forbidden' : 'Not Found') },
  redirect: null,
});
export const redirectTo = (port: number): ActionView => ({ forward: null, fixed: null, redirect: { port: yamlScalar(String(port)) } });

/** One listener rule before it is given a listener and a priority. Values are YAML tokens. */
export type RuleSpec = { comment: string; paths: string[] | null; sourceIps: string[] | null; action: ActionView };

export type Routing = { rules: RuleSpec[]; defaultAction: ActionView };

/**
 * The routes as rules in priority order. Model routes come longest path first, so ascending
 * priorities keep longest-prefix-first. A path P matches "P" and "P/*" (not "Px"); "/" is the
 * listener's default action. An allowFrom list longer than a rule holds is split over consecutive
 * rules, each forwarding its share of sources; one rule after them answers 403 to everyone else.
 */
export function routing(ctx: Ctx, targetGroups: ReadonlyMap<string, string>): Routing {
  const rules: RuleSpec[] = [];
  let defaultAction = fixedResponse(404);
  for (const route of ctx.model.routes) {
    const tg = targetGroups.get(route.pool.id)!;
    const paths = route.path === '/' ? null : pathPatterns(ctx, route);
    const label = `routes[${route.index}] ${route.path} -> pool ${route.pool.id}`;
    if (!route.allowFrom) {
      if (paths) rules.push({ comment: label, paths, sourceIps: null, action: forward(tg) });
      else defaultAction = forward(tg);
      continue;
    }
    const room = Math.min(VALUES_PER_CONDITION, VALUES_PER_RULE - (paths?.length ?? 0));
    const chunks = chunk(route.allowFrom.map((c) => yamlScalar(c.text)), room);
    chunks.forEach((ips, i) => rules.push({ comment: `${label}, allowed sources (part ${i + 1} of ${chunks.length})`, paths, sourceIps: ips, action: forward(tg) }));
    if (paths) rules.push({ comment: `${label}: anyone else gets 403`, paths, sourceIps: null, action: fixedResponse(403) });
    else defaultAction = fixedResponse(403);
    const how = `${inheritedNote(route)}listener rules with a source-ip condition (${room} addresses a rule, ${chunks.length} rule(s)) forward; then ${paths ? 'a rule' : 'the default action'} answers 403`;
    // Path patterns have `*` and `?` but no case folding: the variants of a path are 2^letters patterns, past any quota.
    if (paths) ctx.decisions.push(decision('allowFrom', 'approximated', `${how}. ALB path patterns are case-sensitive: ${route.path.toUpperCase()} (or any other letter case of ${route.path}) escapes these rules and goes where the others send it, from any client (nginx and HAProxy answer 403); a backend that ignores case must enforce this allow-list itself`, route.allowFromPointer));
    else ctx.decisions.push(decision('allowFrom', 'native', how, route.allowFromPointer));
  }
  return { rules, defaultAction };
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
