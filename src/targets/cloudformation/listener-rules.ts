import { error } from '../../diagnostics.js';
import { type Canary, type Route, type Site, everySite, hostRouting } from '../../model/model.js';
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
const FIXED_BODIES = { 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request' } as const;
export const fixedResponse = (status: 403 | 404 | 421): ActionView => ({
  forward: null,
  weighted: null,
  fixed: { status: yamlScalar(String(status)), body: yamlScalar(FIXED_BODIES[status]) },
  redirect: null,
});
export const redirectTo = (port: number): ActionView => ({ forward: null, weighted: null, fixed: null, redirect: { port: yamlScalar(String(port)) } });

/** One listener rule before it is given a listener and a priority. Values are YAML tokens. */
export type RuleSpec = { comment: string; hosts: string[] | null; paths: string[] | null; header: HeaderCondition | null; sourceIps: string[] | null; action: ActionView; site: Site };

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
 *
 * With sites, each site's rules carry a host-header condition and come first: every site's exact
 * names, then its wildcards longest first (so an exact name beats a wildcard, as on nginx), then
 * the default site's rules without one (any other Host), or with strictHost a default action of
 * 421. The default site's own domains are matched among the others' where a site has a wildcard
 * (one could otherwise take an exact top-level domain) and with strictHost.
 */
export function routing(ctx: Ctx, targetGroups: ReadonlyMap<string, string>): Routing {
  const m = ctx.model;
  const rules: RuleSpec[] = [];
  const decided = new Set<Route>();
  const reported = new Set<Route>();
  // A site's routes can be written under several host groups: each canary's variants (and its decision) are made once.
  const canaries = new Map<Route, Variant[]>();
  const [main, ...others] = everySite(m);
  if (!hostRouting(m)) return { rules, defaultAction: siteRules(ctx, main!, null, targetGroups, rules, decided, reported, canaries) };
  const withWildcards = others.some((s) => s.domains.some((d) => d.startsWith('*.')));
  const matched = m.strictHost || withWildcards ? everySite(m) : others;
  const groups: { site: Site; hosts: string[]; length: number }[] = [];
  for (const site of matched) {
    const exact = site.domains.filter((d) => !d.startsWith('*.'));
    if (exact.length) groups.push({ site, hosts: exact, length: Infinity });
    for (const d of site.domains.filter((x) => x.startsWith('*.'))) groups.push({ site, hosts: [d], length: d.length });
  }
  // Stable: exact groups keep site order; wildcards longest first.
  groups.sort((a, b) => (a.length === b.length ? 0 : b.length - a.length));
  // Neighbours of one site share their rules (host values split as the quota asks): the order
  // between sites is all that matters.
  const merged = groups.reduce<{ site: Site; hosts: string[] }[]>((out, g) => {
    const last = out[out.length - 1];
    if (last && last.site === g.site) last.hosts.push(...g.hosts);
    else out.push({ site: g.site, hosts: [...g.hosts] });
    return out;
  }, []);
  for (const g of merged) siteRules(ctx, g.site, g.hosts, targetGroups, rules, decided, reported, canaries);
  for (const site of others) {
    ctx.decisions.push(decision('sites', 'native', `${site.label}: listener rules with a host-header condition (${site.domains.join(', ')}) and the path conditions, before the default site's${site.domains.some((d) => d.startsWith('*.')) ? '; exact names before wildcards, longer wildcards first' : ''}${site.ownTls ? `; its certificate is an AWS::ElasticLoadBalancingV2::ListenerCertificate of the HTTPS listener, ${site.tls!.certificateArn ? 'tls.certificateArn' : 'a template parameter'}, chosen by SNI` : ''}`, `${site.pointer}/domains`));
  }
  if (m.strictHost) {
    ctx.decisions.push(decision('sites', 'native', `the default site: listener rules with a host-header condition (${main!.domains.join(', ')}) and the path conditions, among the sites' (exact names before wildcards)`, '/domains'));
    ctx.decisions.push(decision('strictHost', 'native', `every rule has a host-header condition; the listeners' default action answers 421 to any other Host${m.listen.redirectToHttps ? ' (the HTTP listener redirects only the known hosts, by host-header rules)' : ''}`, '/strictHost'));
    return { rules, defaultAction: fixedResponse(421) };
  }
  ctx.decisions.push(decision('sites', 'native', `the default site: its rules come after the sites', without a host-header condition, so it takes any Host no site claims${matched !== others && main!.domains.length ? '; its own domains are also matched with the sites\' (an exact name before a wildcard)' : ''}`, main!.domains.length ? '/domains' : '/routes'));
  return { rules, defaultAction: siteRules(ctx, main!, null, targetGroups, rules, decided, reported, canaries) };
}

/**
 * One site's routes as rules, each with `hosts` as its host-header condition (null: none). Returns
 * what "/" does (the route's action, 404 without one). Under a host condition "/" is a rule of its
 * own, so that a site without "/" answers 404 instead of falling through to the default site.
 */
function siteRules(ctx: Ctx, site: Site, hosts: readonly string[] | null, targetGroups: ReadonlyMap<string, string>, rules: RuleSpec[], decided: Set<Route>, reported: Set<Route>, canaries: Map<Route, Variant[]>): ActionView {
  const on = hosts?.map((h) => yamlScalar(h)) ?? null;
  const where = hosts ? `, host ${hosts.join(' ')}` : '';
  let rootAction = fixedResponse(404);
  // A rule holds VALUES_PER_RULE values across its conditions; hosts are split to leave room for the rest.
  const push = (comment: string, paths: string[] | null, header: HeaderCondition | null, ips: string[] | null, action: ActionView) => {
    const room = Math.min(VALUES_PER_CONDITION, VALUES_PER_RULE - (paths?.length ?? 0) - (header?.values.length ?? 0) - (ips?.length ?? 0));
    const hostChunks = on ? chunk(on, room) : [null];
    hostChunks.forEach((h) => rules.push({ comment, hosts: h, paths, header, sourceIps: ips, action, site }));
  };
  for (const route of site.routes) {
    const tg = targetGroups.get(route.pool.id)!;
    const paths = route.path === '/' ? null : pathPatterns(ctx, route, reported);
    const rootRule = paths === null && on !== null;
    const label = `${route.label} ${route.path} -> pool ${route.pool.id}${where}`;
    let variants = canaries.get(route);
    if (!variants) {
      variants = route.canary ? canaryVariants(ctx, route, route.canary, tg, targetGroups.get(route.canary.pool.id)!) : [];
      canaries.set(route, variants);
    }
    const forcing = variants.slice(0, -1);
    const main = variants.at(-1)?.action ?? forward(tg);
    // The values a forcing rule's header condition may take: what the paths, one host and one source leave.
    const headerRoom = VALUES_PER_RULE - (paths?.length ?? 0) - (on ? 1 : 0) - (route.allowFrom ? 1 : 0);
    const all = [...forcing, { label: '', header: null, action: main }].flatMap((v) =>
      v.header ? chunk(v.header.values, headerRoom).map((values) => ({ ...v, header: { name: v.header!.name, values } })) : [v],
    );
    const named = (v: Variant) => `${label}${v.label ? `, ${v.label}` : ''}`;
    if (!route.allowFrom) {
      for (const v of all.slice(0, -1)) push(named(v), paths, v.header, null, v.action);
      if (paths || rootRule) push(label, paths, null, null, main);
      else rootAction = main;
      continue;
    }
    // Sources share a rule with the paths, the header values and at least one host.
    let rulesOfRoute = 0;
    let room = VALUES_PER_CONDITION;
    for (const v of all) {
      room = Math.min(VALUES_PER_CONDITION, VALUES_PER_RULE - (paths?.length ?? 0) - (v.header?.values.length ?? 0) - (on ? 1 : 0));
      const chunks = chunk(route.allowFrom.map((c) => yamlScalar(c.text)), room);
      chunks.forEach((ips, i) => push(`${named(v)}, allowed sources (part ${i + 1} of ${chunks.length})`, paths, v.header, ips, v.action));
      rulesOfRoute += chunks.length;
    }
    if (paths || rootRule) push(`${label}: anyone else gets 403`, paths, null, null, fixedResponse(403));
    else rootAction = fixedResponse(403);
    if (decided.has(route)) continue;
    decided.add(route);
    const how = `${inheritedNote(route)}listener rules with a source-ip condition (${room} addresses a rule, ${rulesOfRoute} rule(s)${forcing.length ? ` with the canary's ${forcing.length} forcing conditions` : ''}${on ? ' per group of hosts' : ''}) forward; then ${paths || rootRule ? 'a rule' : 'the default action'} answers 403`;
    // Path patterns have `*` and `?` but no case folding: the variants of a path are 2^letters patterns, past any quota.
    if (paths) ctx.decisions.push(decision('allowFrom', 'approximated', `${how}. ALB path patterns are case-sensitive: ${route.path.toUpperCase()} (or any other letter case of ${route.path}) escapes these rules and goes where the others send it, from any client (nginx and HAProxy answer 403); a backend that ignores case must enforce this allow-list itself`, route.allowFromPointer));
    else ctx.decisions.push(decision('allowFrom', 'native', how, route.allowFromPointer));
  }
  // Under a host condition, a site without "/" answers 404 itself (not the default site's "/").
  if (on !== null && !site.routes.some((r) => r.path === '/')) push(`${site.label}: no route for "/"${where}: 404`, null, null, null, fixedResponse(404));
  return rootAction;
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

function pathPatterns(ctx: Ctx, route: Route, reported: Set<Route>): string[] {
  const prefix = `${route.path}/*`;
  // A route under several host groups is reported once.
  if (prefix.length > PATH_PATTERN_MAX && !reported.has(route)) {
    reported.add(route);
    ctx.diagnostics.push(error(`${route.pointer}/path`, `ALB path patterns are at most ${PATH_PATTERN_MAX} characters: "${prefix}" has ${prefix.length}`));
  }
  return [yamlScalar(route.path), yamlScalar(prefix)];
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
