import type { Diagnostic } from '../diagnostics.js';
import { type Canary, type Model, type Route, allRoutes } from '../model/model.js';

export type TargetName = 'nginx' | 'haproxy' | 'cloudformation';

/** Features of a topology whose realisation differs between targets; `explain` lists them. */
export type Feature =
  | 'routing' | 'balance' | 'weights' | 'backupServers' | 'activeHealthCheck' | 'passiveHealthCheck'
  | 'stickySourceIp' | 'stickyCookie' | 'stickyAppCookie' | 'websocket' | 'rateLimit' | 'allowFrom'
  | 'securityHeaders' | 'redirect' | 'tls' | 'http2' | 'connectionLimits' | 'serverMaxConnections'
  | 'keepalive' | 'timeouts' | 'stats' | 'metrics' | 'accessLog' | 'alerts' | 'privileges' | 'reloads'
  | 'trustedProxies' | 'proxyProtocol' | 'clientPrefix' | 'loadFeedback' | 'sites' | 'strictHost' | 'canary' | 'maxBodySize' | 'buffering' | 'streams';

export type Outcome = 'native' | 'approximated' | 'unsupported';

/**
 * How one target realises one feature at one place of the topology. Decisions are data: `explain`
 * prints them, and every decision that is not `native` becomes a warning at `pointer`.
 */
export type Decision = {
  readonly feature: Feature;
  readonly outcome: Outcome;
  /** Native: the mechanism ("least_conn with a shared zone"). Otherwise what is done instead and why, as a warning sentence. */
  readonly note: string;
  readonly pointer: string;
};

/** One output file, LF line endings, exactly one trailing newline. */
export type RenderedFile = { readonly path: string; readonly text: string };

/** What a target's view builder returns: the view (every leaf already escaped), its decisions, and clamps or quota errors. */
export type Built<V> = { readonly view: V; readonly decisions: readonly Decision[]; readonly diagnostics: readonly Diagnostic[] };

export type Target<V = unknown> = {
  readonly name: TargetName;
  /** Output files, each rendered from templates/<name>/<template> with the same view. */
  readonly files: readonly { readonly template: string; readonly path: string; /** Written only when this holds of the view (else not written, and a stale copy is drift). */ readonly when?: (view: V) => boolean }[];
  build(model: Model): Built<V>;
};

export const decision = (feature: Feature, outcome: Outcome, note: string, pointer: string): Decision => ({ feature, outcome, note, pointer });

/** How every target's allowFrom decision begins for a route whose allowFrom is another route's. */
/** Whether anything counts per client (connectionsPerClient or a route's rate limit): only then is a client key made or explained. */
export const perClientLimited = (m: Model): boolean => m.limits.connectionsPerClient !== null || allRoutes(m).some((r) => r.rateLimit);

/**
 * Behind trusted HTTP balancers (X-Forwarded-For, not the PROXY protocol), the X-Forwarded-Proto
 * they send (http or https) reaches the servers: a CDN that terminates TLS and speaks HTTP to the
 * proxy still tells the application its client used HTTPS (else an application that insists on
 * HTTPS redirects forever). From anyone else the header is replaced, as before.
 */
export const forwardsScheme = (model: Model): boolean => model.listen.trustedProxies !== null && !model.listen.proxyProtocol;

/** explain's words for a plain-HTTP request without Host under the HTTPS redirect (both proxies do the same). */
export const noHostNote = (m: Model, also = ''): string =>
  m.primaryDomain === null
    ? 'a request without Host (HTTP/1.0) is answered 400: no domain that is not a wildcard to send it to'
    : `a request without Host (HTTP/1.0) goes to ${m.primaryDomain}, the first domain that is not a wildcard${also}`;

/**
 * The comment both proxies write above a route's rules: path, pool, canary, WebSocket, allow-list.
 * Made once per route, so that the nginx and HAProxy views of a large topology hold one string, not two.
 */
export function routeComment(r: Route): string {
  let text = routeComments.get(r);
  if (text === undefined) {
    const canary = r.canary ? ` (canary ${r.canary.pool.id}, ${r.canary.weight}%)` : '';
    const inherited = r.inheritsFrom ? `, allowFrom of ${r.inheritsFrom.label} ${r.inheritsFrom.path}` : '';
    text = `${r.label}: ${r.path} -> pool ${r.pool.id}${canary}${r.websocket ? ' (WebSocket)' : ''}${inherited}${r.allowFrom && r.path !== '/' ? ', any letter case' : ''}`;
    routeComments.set(r, text);
  }
  return text;
}
const routeComments = new WeakMap<Route, string>();

export const inheritedNote = (r: Route): string =>
  r.inheritsFrom ? `inherited from ${r.inheritsFrom.label} (${r.inheritsFrom.path}), a path prefix of this route's ignoring letter case: ` : '';

/** explain's words for how a canary's side is forced, the same on every target that forces it. */
export const forcingNote = (c: Canary): string =>
  `${c.header ? `a request header ${c.header}: always or never (any letter case) forces the side and sets no cookie; ` : ''}cookie ${c.cookie}=always or never forces it too`;
