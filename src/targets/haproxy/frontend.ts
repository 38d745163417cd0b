import { type Model, type Pool, type Route, type Site, allRoutes, everySite, hostRouting } from '../../model/model.js';
import { formatDuration } from '../../model/duration.js';
import { pointerToPath } from '../../diagnostics.js';
import { haproxyArg, haproxyFmt, haproxyFmtText } from '../../render/escape.js';
import { type Decision, decision, forwardsScheme, inheritedNote, noHostNote, perClientLimited, routeComment } from '../target.js';
import { lastOf } from '../memo.js';
import { canaryDecisions, canaryRules } from './canary.js';
import { allowList, backendName, binds, clientKey, clientWord, frontendName, perClientTable, rateTable, trustedPeers } from './names.js';
import type { FrontendRouteView, FrontendView } from './view.js';

/**
 * Applied to the path before routing, so that `/%68ealth`, `//health` or `/x/../health` meet the
 * ACLs of `/health` as they do nginx's locations (nginx normalises before matching); a path with
 * an invalid %-escape is refused (400). The template strips the fragment first and keeps the
 * query out of their reach. Experimental in 2.6.
 */
const NORMALIZERS = ['percent-decode-unreserved strict', 'path-merge-slashes', 'path-strip-dot', 'path-strip-dotdot full'];

export function frontendView(model: Model, decisions: Decision[]): FrontendView {
  const routes = everySite(model).flatMap((site) => site.routes.map((r) => routeView(model, site, r, decisions)));
  decisions.push(decision('routing', 'native', `ACLs on the normalised, percent-decoded path (exact, or followed by "/"); the longest matching path sets txn.lbgen_route, use_backend follows it; the query reaches the server as sent${allRoutes(model).some((r) => r.allowFrom && r.path !== '/') ? '; the paths of routes with an allowFrom ignore letter case (-i)' : ''}`, '/routes'));
  const hosts = hostRules(model, decisions);
  if (model.securityHeaders.length) {
    decisions.push(decision('securityHeaders', 'native', 'http-after-response set-header ... if { ssl_fc }: every HTTPS response, HAProxy\'s own 403/404/429/503 included', '/securityHeaders'));
  }
  const limit = model.limits.connectionsPerClient;
  // Behind trusted proxies the client is known per request, not per connection (one connection of a CDN carries many clients).
  const perRequest = model.listen.trustedProxies !== null;
  const counted = perRequest
    ? `requests in progress (http-request track-sc0 after the client address is found), and one beyond ${limit} is answered 429, as nginx counts`
    : `open connections, and one beyond ${limit} is closed at once (tcp-request connection reject)`;
  decisions.push(decision('connectionLimits', 'native', `global maxconn ${model.limits.maxConnections}${limit === null ? '' : `; per ${clientWord(model)} a stick table counts ${counted}`}`, '/limits'));
  clientDecisions(model, decisions);
  const proxy = model.listen.proxyProtocol ? ' accept-proxy' : '';
  return {
    name: frontendName(model),
    binds: [...binds(model, model.listen.http, proxy), ...tlsBinds(model, decisions, proxy)],
    trusted: trusted(model),
    perClient: limit === null ? null : { table: perClientTable(model), limit, key: clientKey(model), perRequest },
    hosts,
    redirect: redirect(model, decisions),
    redirectWithoutHost: model.listen.redirectToHttps ? redirectWithoutHost(model) : null,
    normalizers: NORMALIZERS,
    captures: model.monitoring.accessLog === 'combined' ? ['req.hdr(referer) len 256', 'req.hdr(user-agent) len 256'] : [],
    requestHeaders: [
      ...(model.tls ? ['X-Forwarded-Proto https if { ssl_fc }', 'X-Forwarded-Proto http unless { ssl_fc }'] : ['X-Forwarded-Proto http']),
      ...(forwardsScheme(model) ? ['X-Forwarded-Proto %[var(txn.lbgen_proto)] if { var(txn.lbgen_proto) -m str http https }'] : []),
      'X-Real-IP %[src]',
    ],
    routes,
    notFound: everySite(model).some((s) => !s.routes.some((r) => r.path === '/')),
    noUpgrade: noUpgrade(model),
    headers: model.securityHeaders.map((h) => ({ name: haproxyArg(h.name), value: haproxyFmt(h.value) })),
  };
}

/** HAProxy walks at most this many trusted hops of X-Forwarded-For from the right (nginx any number). */
export const XFF_HOPS = 8;

/**
 * listen.trustedProxies: where the client address comes from. X-Forwarded-For: one set-src per hop,
 * each taking the next address to the left while the current one is trusted (nginx's
 * real_ip_recursive), up to XFF_HOPS. PROXY protocol: accept-proxy makes the header's address src for everything
 * but `tcp-request connection` rules, which see the connecting peer; an untrusted peer gets its own
 * address back.
 */
function trusted(model: Model): FrontendView['trusted'] {
  const list = model.listen.trustedProxies;
  if (!list) return null;
  const peers = trustedPeers(list);
  if (model.listen.proxyProtocol) {
    return {
      acls: peers.acls,
      connection: ['set-var(sess.lbgen_peer) src', `set-var(sess.lbgen_trusted) bool(1) if ${peers.when('')}`],
      session: ['set-src var(sess.lbgen_peer) unless { var(sess.lbgen_trusted) -m bool }'],
      request: [],
    };
  }
  // txn.lbgen_hops counts the addresses taken: a hop is taken only right after the one before it,
  // so an entry that is not an address ends the walk (as nginx stops there) instead of being passed over.
  // The scheme the trusted balancer says its client used, read before anything rewrites the header
  // (requestHeaders pass it on). A TCP balancer (PROXY protocol, above) adds no header: there the
  // header is the client's own, and is replaced.
  const request = [`set-var(txn.lbgen_proto) req.fhdr(x-forwarded-proto),lower if ${peers.when('')}`, 'set-var(txn.lbgen_hops) int(0)'];
  for (let k = 1; k <= XFF_HOPS; k++) {
    const hop = `hdr_ip(x-forwarded-for,-${k})`;
    request.push(`set-var(txn.lbgen_hops) int(${k}) if ${peers.when(`{ var(txn.lbgen_hops) -m int ${k - 1} } { ${hop} -m found }`)}`);
    request.push(`set-src ${hop} if { var(txn.lbgen_hops) -m int ${k} }`);
  }
  return { acls: peers.acls, connection: [], session: [], request };
}

function clientDecisions(model: Model, decisions: Decision[]): void {
  if (model.listen.trustedProxies) {
    const from = model.listen.proxyProtocol
      ? 'bind ... accept-proxy on the HTTP and HTTPS ports (every connection must start with a PROXY header, v1 or v2); the header\'s address is the client\'s only when the connecting peer is trusted (tcp-request connection sees the peer, tcp-request session set-src restores it otherwise)'
      : `http-request set-src hdr_ip(x-forwarded-for,-N) while the current address is trusted, from the right: the rightmost address that is not itself trusted, through at most ${XFF_HOPS} trusted hops (nginx's real_ip_recursive walks any number; an entry that is not an address ends the walk, as in nginx)`;
    decisions.push(decision('trustedProxies', 'native', `${from}; before every rule that reads src, so rate and connection limits, allowFrom, source-IP stickiness and the access log see the client address; backends get it alone in X-Forwarded-For and X-Real-IP (the trusted hops are dropped)${model.listen.proxyProtocol ? '' : ", and the trusted balancer's X-Forwarded-Proto (http or https) as it is"}. Stats and metrics keep the connecting address`, '/listen/trustedProxies'));
  }
  if (perClientLimited(model)) {
    const bits = model.limits.ipv6PrefixLength;
    decisions.push(decision('clientPrefix', 'native', bits === 128
      ? 'per-client limits track src, each address'
      : `per-client limits track src,ipmask(32,${bits}): an IPv6 client by its /${bits} network, an IPv4 one by its address; source-IP stickiness stays per address`, '/limits'));
  }
}

/**
 * The HTTPS bind: the default site's certificate first (what a client without SNI, or with a name
 * no certificate has, gets), then each site's own: HAProxy picks one by SNI among the names in the
 * certificates themselves (their CN and SANs).
 */
function tlsBinds(model: Model, decisions: Decision[], proxy: string): string[] {
  const tls = model.tls;
  if (!tls) return [];
  const own = model.sites.filter((s) => s.ownTls).map((s) => s.tls!);
  for (const t of [tls, ...own]) {
    const field = t === tls ? 'tls' : `${pointerToPath(t.pointer)}`;
    if (t.bundleDefaulted) {
      decisions.push(decision('tls', 'approximated', `${field}.bundle is not set: HAProxy's crt is ${field}.certificate (${t.certificate}), and HAProxy takes the key from that file or from ${t.certificate}.key; set ${field}.bundle to a PEM holding both`, t.pointer));
    } else {
      decisions.push(decision('tls', 'native', t === tls ? `bind ... ssl crt ${t.bundle}${own.length ? ' (first: the certificate of clients without SNI)' : ''}, ssl-min-ver ${t.minVersion}` : `another crt ${t.bundle} on the HTTPS bind, chosen by SNI among the names the certificate holds (its CN and subjectAltNames, which should be the site's domains)`, t.pointer));
    }
  }
  if (tls.http2) decisions.push(decision('http2', 'native', 'alpn h2,http/1.1', `${tls.pointer}/http2`));
  const crts = [...new Set([tls, ...own].map((t) => t.bundle))].map((b) => ` crt ${haproxyArg(b)}`).join('');
  return binds(model, model.listen.https!, `${proxy} ssl${crts}${tls.http2 ? ' alpn h2,http/1.1' : ''}`);
}

/**
 * The host as sites match it: Host without its port (an IPv6 literal keeps its brackets), in lower
 * case, without the one trailing dot of an absolute name (`admin.example.com.`), which nginx drops
 * before it matches server_name.
 */
const HOST_SAMPLE = 'req.hdr(host),lower,regsub(:[0-9]+$,),regsub(\\.$,)';

/**
 * Sites (and strictHost): the rules that set txn.lbgen_site to the number of the site Host names,
 * the first that matches: every exact name, then the wildcards longest first (as nginx picks them),
 * then the default site (0) or, with strictHost, 421. The default site's own domains are among
 * them, so that an exact top-level domain beats a site's wildcard. Empty without host routing.
 */
function hostRules(model: Model, decisions: Decision[]): string[] {
  if (!hostRouting(model)) return [];
  const unset = '!{ var(txn.lbgen_site) -m found }';
  const out = [`set-var(txn.lbgen_host) ${haproxyArg(HOST_SAMPLE)}`];
  const wildcards: { suffix: string; site: Site }[] = [];
  for (const site of everySite(model)) {
    const exact = site.domains.filter((d) => !d.startsWith('*.')).map((d) => d.toLowerCase());
    for (let i = 0; i < exact.length; i += 16) {
      out.push(`set-var(txn.lbgen_site) int(${site.number}) if ${unset} { var(txn.lbgen_host) -m str ${exact.slice(i, i + 16).map(haproxyArg).join(' ')} }`);
    }
    for (const d of site.domains.filter((x) => x.startsWith('*.'))) wildcards.push({ suffix: d.slice(1).toLowerCase(), site });
  }
  // Longest first; equal lengths cannot both match one host (the domains differ).
  wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  for (const w of wildcards) out.push(`set-var(txn.lbgen_site) int(${w.site.number}) if ${unset} { var(txn.lbgen_host) -m end ${haproxyArg(w.suffix)} }`);
  out.push(model.strictHost
    ? `return status 421 content-type text/plain string ${haproxyArg('421 Misdirected Request')} if ${unset}`
    : `set-var(txn.lbgen_site) int(0) if ${unset}`);
  for (const site of everySite(model)) {
    const fallback = site.id === null && !model.strictHost ? '; it also takes any other Host, and requests without Host' : '';
    decisions.push(decision('sites', 'native', `${site.label}: Host without its port, in lower case, matched against ${site.domains.length ? site.domains.join(', ') : 'no domain'} (exact names first, then the longest wildcard, as nginx) sets txn.lbgen_site before the path rules${fallback}`, site.id === null ? (site.domains.length ? '/domains' : '/routes') : `${site.pointer}/domains`));
  }
  if (model.strictHost) decisions.push(decision('strictHost', 'native', 'http-request return status 421 when Host is no site\'s domain (a request without Host included), before the redirect and the routes', '/strictHost'));
  return out;
}

/**
 * `redirect scheme` copies the Host header as it is, port included: right only for 80 → 443.
 * Other ports need a Location built from the host without its port, then the HTTPS port.
 */
function redirect(model: Model, decisions: Decision[]): string | null {
  if (!model.listen.redirectToHttps) return null;
  const https = model.listen.https!;
  decisions.push(decision('redirect', 'native', `http-request redirect ... code 301 unless { ssl_fc }${https === 443 ? '' : ` (to port ${https})`}; ${noHostNote(model, ', as with nginx')}`, '/listen'));
  // Never `redirect scheme https`: it keeps the Host's port, so "Host: example.com:80" was sent to
  // https://example.com:80/. nginx's $host drops the port; so does the regsub.
  const port = https === 443 ? '' : `:${https}`;
  return `location ${haproxyArg(`https://%[req.hdr(host),regsub(:[0-9]+$,)]${port}%[pathq]`)} code 301 unless { ssl_fc }`;
}

/**
 * A request without Host (HTTP/1.0 allows it) would be sent to "https://:443/...": it goes to the
 * first domain that is not a wildcard instead, as nginx falls back to its server_name, or is
 * refused when there is none. An empty Host counts as none.
 */
function redirectWithoutHost(model: Model): string {
  const noHost = 'if !{ ssl_fc } !{ req.hdr(host) -m len 1: }';
  if (model.primaryDomain === null) return `deny deny_status 400 ${noHost}`;
  const https = model.listen.https!;
  const location = `https://${haproxyFmtText(model.primaryDomain)}${https === 443 ? '' : `:${https}`}%[pathq]`;
  return `redirect location ${haproxyArg(location)} code 301 ${noHost}`;
}

function routeView(model: Model, site: Site, r: Route, decisions: Decision[]): FrontendRouteView {
  if (r.allowFrom) {
    decisions.push(decision('allowFrom', 'native', `${inheritedNote(r)}ACL on src; anyone else: http-request deny deny_status 403${r.path === '/' ? '' : `; the path ACLs ignore letter case (-i), so ${r.path} in any case meets it`}`, r.allowFromPointer));
  }
  if (r.websocket) {
    decisions.push(decision('websocket', 'native', `upgrades pass through natively; timeout tunnel of pool ${r.pool.id}`, `${r.pointer}/websocket`));
  }
  const rl = r.rateLimit;
  const limit = rl ? rl.perSecond + rl.burst : 0;
  if (rl) decisions.push(decision('rateLimit', 'approximated', rateNote(rl.perSecond, rl.burst), rl.pointer));
  if (r.canary) canaryDecisions(r, r.canary, decisions);
  if (r.maxBodySize) {
    decisions.push(decision('maxBodySize', 'approximated', `HAProxy checks the Content-Length a client declares (413 beyond ${r.maxBodySize.text}); a body sent without one (chunked, or HTTP/2 without content-length) is not limited, where nginx counts its bytes`, r.maxBodySize.pointer));
  }
  if (!r.buffering) decisions.push(decision('buffering', 'native', 'HAProxy passes an answer on as it arrives: there is no response buffering to turn off', `${r.pointer}/buffering`));
  if (r.timeouts.pointer !== null) {
    decisions.push(decision('timeouts', 'native', `http-request set-timeout in the backend${r.canary ? 's' : ''} of the route's pool${r.canary ? 's' : ''}, for this route's requests only (txn.lbgen_route), in place of the pool's`, r.timeouts.pointer));
  }
  return {
    canary: r.canary ? canaryRules(model, r, r.canary) : null,
    maxBodyBytes: r.maxBodySize?.bytes ?? null,
    comment: routeComment(r),
    index: r.serial,
    site: hostRouting(model) ? ` { var(txn.lbgen_site) -m int ${site.number} }` : '',
    paths: routePaths(r),
    allowFrom: r.allowFrom ? allowList(r.allowFrom, `route${r.serial}_allowed`, `route${r.serial}`) : null,
    rate: rl ? { table: rateTable(model, r), limit, key: clientKey(model) } : null,
    backend: backendName(model, r.pool),
  };
}

/**
 * The exact path or the path followed by "/". A route with an allowFrom (own or inherited) matches
 * ignoring letter case, so that /ADMIN meets /admin's allow-list (backends that ignore case serve
 * it as /admin); every route under such a path, ignoring case, has an allowFrom too, so the
 * longest-first order still picks the right route. Other routes keep case-sensitive paths.
 */
function routePaths(r: Route): string[] {
  if (r.path === '/') return ['var(txn.lbgen_path) -m beg /'];
  // Each criterion is a fixed head and the path: one join per string, not one per piece.
  const head = r.allowFrom ? ANY_CASE : EXACT_CASE;
  return [head.exact + haproxyArg(r.path), head.under + haproxyArg(`${r.path}/`)];
}
const EXACT_CASE = { exact: 'var(txn.lbgen_path) -m str ', under: 'var(txn.lbgen_path) -m beg ' };
const ANY_CASE = { exact: 'var(txn.lbgen_path) -i -m str ', under: 'var(txn.lbgen_path) -i -m beg ' };

/** What differs from the token bucket the contract describes (nginx's limit_req ... nodelay); routes mostly share their limit: one note for them. */
const rateNote = lastOf((perSecond: number, burst: number): string => {
  const limit = perSecond + burst;
  const head = `HAProxy has no token bucket: at most ${limit} request${limit === 1 ? '' : 's'} per client address in any 1 s window (perSecond + burst, a sliding stick-table rate of the requests let through), 429 beyond`;
  return burst > 0
    ? `${head}; a bucket refills at ${perSecond}/s after a burst, so a client here may keep up ${limit}/s rather than ${perSecond}/s`
    : `${head}; a bucket without burst spaces requests 1/${perSecond} s apart, here they may come all at once within the second`;
});

/**
 * HAProxy tunnels any request that asks for an upgrade; nginx only where a location passes the
 * Upgrade header on. So that only `websocket: true` routes carry one, and only to WebSocket (an
 * h2c upgrade would open a tunnel past allowFrom and rate limits), the header is removed
 * everywhere else and the backend answers a plain request.
 */
function noUpgrade(model: Model): string {
  const ws = allRoutes(model).filter((r) => r.websocket).map((r) => r.serial);
  return ws.length === 0 ? '' : ` unless { var(txn.lbgen_route) -m int ${ws.join(' ')} } { req.hdr(upgrade) -i websocket }`;
}

/**
 * The `http-request set-timeout` rules of each pool's backend: a route's own timeouts, for that
 * route's requests (HAProxy takes set-timeout only in a proxy with backend capability). Made once
 * for every route, not per pool.
 */
export function routeTimeouts(model: Model): Map<Pool, string[]> {
  const out = new Map<Pool, string[]>();
  for (const r of allRoutes(model)) {
    const t = r.timeouts;
    if (!t.ownServer && !(t.ownTunnel && r.websocket)) continue;
    const lines = [
      ...(t.ownServer ? [`set-timeout server ${formatDuration(t.server)} if { var(txn.lbgen_route) -m int ${r.serial} }`] : []),
      ...(t.ownTunnel && r.websocket ? [`set-timeout tunnel ${formatDuration(t.tunnel)} if { var(txn.lbgen_route) -m int ${r.serial} }`] : []),
    ];
    for (const p of r.canary ? [r.pool, r.canary.pool] : [r.pool]) out.set(p, [...(out.get(p) ?? []), ...lines]);
  }
  return out;
}
