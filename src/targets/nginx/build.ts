import { type Model, type Pool, type Route, type Site, allRoutes, everySite, hostRouting, streamOnlyPools } from '../../model/model.js';
import { atLeast, formatDuration } from '../../model/duration.js';
import { RenderError, nginxArg } from '../../render/escape.js';
import { gapNotes, headerLines } from '../header.js';
import { TLS12_CIPHERS } from '../tls.js';
import { lastOf } from '../memo.js';
import { TRIES } from '../retry.js';
import { type Decision, type Target, decision, forwardsScheme, inheritedNote, noHostNote, perClientLimited } from '../target.js';
import { CLIENT_KEY_VARIABLE, clientKeyMap } from './clientkey.js';
import { locations } from './location.js';
import { upstreamName, zoneName } from './names.js';
import { canaryDecisions, canaryView } from './canary.js';
import type { CanaryView, LocationView, NginxView, ServerView, UpstreamView } from './view.js';
import { UPSTREAM_IDLE_TIMEOUT, poolUpstreams } from './upstream.js';
import { streamView } from './stream.js';
import type { StickyMapView } from './view.js';

export const nginx: Target<NginxView> = {
  name: 'nginx',
  files: [{ template: 'nginx.conf.hbs', path: 'nginx.conf' }],
  build(model) {
    const decisions: Decision[] = [];
    const stickyMaps: StickyMapView[] = [];
    const upstreams: UpstreamView[] = [];
    // Only the pools whose locations proxy to a map's variable: the others pass to their upstream's name.
    const proxyPass = new Map<Pool, string>();
    // The gaps an upstream's comments already show in place (left out of the list at the top).
    const shown = new Set<string>();
    // A pool only streams use has its upstream in the stream block alone (stream.ts).
    const streamOnly = streamOnlyPools(model);
    model.pools.forEach((pool, i) => {
      if (streamOnly.has(pool)) return;
      const p = poolUpstreams(model, pool, i, { decisions, maps: stickyMaps, shown });
      for (const u of p.upstreams) upstreams.push(u);
      if (p.proxyPass !== null) proxyPass.set(pool, p.proxyPass);
    });
    const key = clientKey(model);
    const passTo = (pool: Pool) => proxyPass.get(pool) ?? upstreamName(model, pool);
    // One loop over the routes (no empty list per route without a limit or a canary).
    const rateZones: NginxView['rateZones'] = [];
    const canaries: CanaryView[] = [];
    for (const r of allRoutes(model)) {
      if (r.rateLimit) rateZones.push({ key: key.variable, name: zoneName(model, r), rate: rateOf(r.rateLimit.perSecond), comment: `${r.label} ${r.path}` });
      if (r.canary) canaries.push(canaryView(model, r, r.canary, { stable: passTo(r.pool), canary: passTo(r.canary.pool) }));
      routeDecisions(r, decisions);
    }
    // A loop, not push(...list): the list has a decision per pool, and a call with 10,000 arguments is slow.
    for (const d of generalDecisions(model)) decisions.push(d);
    if (model.securityHeaders.length) decisions.push(decision('securityHeaders', 'native', "add_header ... always at server level (no location adds its own, so none loses them); the application's own copy is hidden (proxy_hide_header), so the topology's value replaces it as on HAProxy", '/securityHeaders'));
    // One plain and one HTTPS server per site; with TLS but no redirect, both proxy every route of
    // the site: one list serves both. nginx picks the server by Host (server_name: exact names,
    // then the longest wildcard), and by SNI for the certificate, whatever the order of the blocks.
    const servers = everySite(model).flatMap((site) => {
      const routed = locations(model, site.routes, proxyPass);
      const http = plainServer(model, site, routed);
      return model.tls ? [http, httpsServer(model, site, routed)] : [http];
    });
    if (model.strictHost) servers.push(...refusingServers(model));
    siteDecisions(model, decisions);
    const stream = streamView(model, decisions);
    // Each proxied client connection also holds one to a backend.
    const workerConnections = Math.max(1024, model.limits.maxConnections * 2);
    return {
      view: {
        header: headerLines(model, `nginx >= ${model.nginx.version.text}`),
        gaps: gapNotes(decisions, shown),
        workerConnections,
        // A descriptor per connection plus room for logs, listeners and the shared memory zones.
        fileLimit: workerConnections + 64,
        shutdownTimeout: formatDuration(model.limits.shutdownTimeout),
        upstreamTries: TRIES,
        accessLog: {
          format: model.monitoring.accessLog === 'json' ? 'lbgen_json' : 'combined',
          jsonFormat: model.monitoring.accessLog === 'json',
          path: nginxArg(model.nginx.accessLog),
        },
        clientKey: key.map,
        trustedScheme: forwardsScheme(model) ? { peers: model.listen.trustedProxies!.map((c) => c.text) } : null,
        rateZones,
        connectionZones: connectionLimits(model, key.variable).map((l) => ({ key: l.key, name: l.zone })),
        upstreamIdleTimeout: formatDuration(UPSTREAM_IDLE_TIMEOUT),
        stickyMaps,
        canaries,
        upstreams,
        servers,
        metrics: model.monitoring.metrics
          ? { listens: listens(model, model.monitoring.metrics.port, ''), path: nginxArg(model.monitoring.metrics.path), allow: model.monitoring.metrics.allowFrom.map((c) => c.text) }
          : null,
        streamModule: stream.module,
        stream: stream.view,
      },
      decisions,
      diagnostics: [],
    };
  },
};

/** Features every topology has: how nginx realises them, for explain. */
function generalDecisions(model: Model): Decision[] {
  const listed = allRoutes(model).some((r) => r.allowFrom && r.path !== '/');
  const out = [decision('routing', 'native', `location = /p plus location /p/ per route: longest prefix wins, /p never matches /px${listed ? '; a route with an allowFrom is one case-insensitive regex location (~* ^/p(/|end)), tried longest first' : ''}`, '/routes')];
  const { maxConnections: total, connectionsPerClient: perClient } = model.limits;
  out.push(...clientDecisions(model));
  out.push(decision('connectionLimits', 'native', `limit_conn on a shared key (total ${total})${perClient !== null ? ` and per client address (${perClient})` : ''}; nginx counts requests in progress (each HTTP/2 stream apart), ${model.listen.trustedProxies ? 'as HAProxy does behind trusted proxies' : 'where HAProxy counts open TCP connections'}; 429 beyond (HAProxy queues over maxconn${model.listen.trustedProxies ? '' : " and closes a client's extra connection"})`, '/limits'));
  for (const [field, n] of [['maxConnections', total], ['connectionsPerClient', perClient]] as const) {
    if (n !== null && n > LIMIT_CONN_MAX) {
      out.push(decision('connectionLimits', 'unsupported', `nginx's limit_conn counts at most ${LIMIT_CONN_MAX}: limits.${field} ${n} is left to worker_connections (${field === 'maxConnections' ? 'per worker process' : 'not per client'}) instead`, `/limits/${field}`));
    }
  }
  if (model.tls) {
    out.push(decision('tls', 'native', `listen ... ssl, ssl_protocols ${model.tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2 TLSv1.3'}; ssl_ciphers: ECDHE with AES-GCM or ChaCha20 for TLS 1.2, as HAProxy`, '/tls'));
    if (model.tls.http2) out.push(decision('http2', 'native', atLeast(model.nginx.version, '1.25.1') ? 'http2 on' : 'listen ... ssl http2', '/tls/http2'));
  }
  if (model.monitoring.metrics) {
    out.push(decision('metrics', 'approximated', 'nginx open source exposes stub_status only (connections and request counts, not Prometheus format, no status codes or latencies): scrape it through prometheus-nginx-exporter; error-rate and latency alerts cannot come from it', model.monitoring.metrics.pointer));
  }
  const alerts = model.monitoring.alerts;
  const left = alerts ? ([['errorRatePercent', 'status codes'], ['responseTime', 'latencies'], ['unhealthyServersPercent', 'server states']] as const).filter(([k]) => alerts[k] !== null) : [];
  for (const [field, what] of left) {
    out.push(decision('alerts', 'unsupported', `nginx's stub_status has no ${what}: the ${field} alert is left out of prometheus-rules.yaml for nginx (the JSON access log carries them, for a log-based pipeline)`, `/monitoring/alerts/${field}`));
  }
  out.push(decision('reloads', 'native', `worker_shutdown_timeout ${formatDuration(model.limits.shutdownTimeout)}: after a reload the old workers close the connections they still hold (WebSocket tunnels) then (limits.shutdownTimeout)`, '/limits'));
  out.push(decision('accessLog', 'native', `${model.monitoring.accessLog === 'json' ? 'log_format escape=json with upstream address, status and timings' : 'the combined log format'}, to ${model.nginx.accessLog} (nginx.accessLog)`, '/monitoring'));
  if (model.listen.redirectToHttps) out.push(decision('redirect', 'native', `return 301 https://$host[:port]$request_uri; ${noHostNote(model)}`, '/listen'));
  const streamOnly = streamOnlyPools(model);
  for (const p of model.pools) {
    if (streamOnly.has(p)) continue;
    if (p.keepalive > 0) out.push(decision('keepalive', 'native', keepaliveNote(p.keepalive), p.pointer));
    if (p.members.some((m) => m.weight !== 1)) out.push(decision('weights', 'native', 'server ... weight=N', `${p.pointer}/servers`));
  }
  return out;
}

const rateOf = lastOf((perSecond: number) => `${perSecond}r/s`);
const limitReqNote = lastOf((burst: number) => `limit_req burst=${burst} nodelay, 429 beyond`);
const keepaliveNote = lastOf((size: number) => `keepalive ${size} with HTTP/1.1 and an empty Connection header`);

function routeDecisions(r: Route, decisions: Decision[]): void {
  if (r.canary) canaryDecisions(r, r.canary, decisions);
  if (r.maxBodySize) decisions.push(decision('maxBodySize', 'native', `client_max_body_size ${r.maxBodySize.text} in the route's location: a larger body (declared, or counted as it arrives) is answered 413`, r.maxBodySize.pointer));
  if (!r.buffering) decisions.push(decision('buffering', 'native', "proxy_buffering off in the route's location: each piece of the answer goes to the client as it arrives", `${r.pointer}/buffering`));
  if (r.timeouts.pointer !== null) {
    decisions.push(decision('timeouts', 'native', `proxy_read_timeout and proxy_send_timeout ${formatDuration(r.websocket ? r.timeouts.tunnel : r.timeouts.server)} in the route's location, in place of the pool's`, r.timeouts.pointer));
  }
  if (r.rateLimit) {
    decisions.push(decision('rateLimit', 'native', limitReqNote(r.rateLimit.burst), r.rateLimit.pointer));
  }
  if (r.allowFrom) decisions.push(decision('allowFrom', 'native', `${inheritedNote(r)}allow ...; deny all; (403)${r.path === '/' ? '' : `, on ${r.path} in any letter case (~*)`}`, r.allowFromPointer));
  if (r.websocket) {
    decisions.push(decision('websocket', 'native', 'Upgrade passed with Connection: upgrade on this route only ($lbgen_websocket), HTTP/1.1, the tunnel timeout as proxy_read_timeout', `${r.pointer}/websocket`));
    // proxy_read_timeout takes no variable: one value serves the location's tunnels and plain requests.
    const { server, tunnel } = r.timeouts;
    if (server !== tunnel) {
      decisions.push(decision('timeouts', 'approximated', `nginx has one read timeout per location: on WebSocket route ${r.path}, plain requests also wait up to the tunnel timeout ${formatDuration(tunnel)}, not timeouts.server ${formatDuration(server)} (HAProxy keeps the two apart)`, `${r.pointer}/websocket`));
    }
  }
}

function listens(model: Model, port: number, suffix: string): string[] {
  const a = model.listen.address;
  if (a === null) return [`${port}${suffix}`, `[::]:${port}${suffix}`];
  return [`${model.listen.addressFamily === 6 ? `[${a}]` : a}:${port}${suffix}`];
}

function serverName(site: Site): string | null {
  return site.domains.length ? site.domains.map(nginxArg).join(' ') : null;
}

/**
 * Which server takes a Host no server_name lists (and a request without Host): the default site's,
 * or with strictHost the refusing one. Written only where there is a choice to make.
 */
function defaultServer(model: Model, site: Site | null): string {
  if (!hostRouting(model)) return '';
  return (site === null) === model.strictHost && (site === null || site.id === null) ? ' default_server' : '';
}

/** strictHost: the default servers of both ports answer 421 (the HTTPS one shows the default certificate first). */
function refusingServers(model: Model): ServerView[] {
  const plain: ServerView = {
    comment: 'strictHost: any other Host is answered 421 (Misdirected Request)',
    listens: listens(model, model.listen.http, `${model.listen.proxyProtocol ? ' proxy_protocol' : ''}${defaultServer(model, null)}`),
    serverName: null,
    tls: null,
    realIp: realIp(model),
    forwardedProto: forwardedProto(model),
    http2Directive: false,
    headers: [],
    redirect: null,
    redirectWithoutHost: null,
    limitConns: limitConns(model),
    canaryCookie: false,
    refuse: 421,
    locations: [],
  };
  if (!model.tls) return [plain];
  const https = httpsServer(model, null, []);
  return [plain, { ...https, comment: 'strictHost: any other Host (or SNI) over HTTPS is answered 421, with the default certificate', serverName: null, refuse: 421, locations: [] }];
}

/** explain: how each site is told apart, and which certificate it shows. */
function siteDecisions(model: Model, decisions: Decision[]): void {
  if (!hostRouting(model)) return;
  for (const site of everySite(model)) {
    const names = site.domains.length ? `server_name ${site.domains.join(' ')}` : 'no server_name';
    const fallback = site.id === null && !model.strictHost ? '; default_server: it also takes any Host no site lists, and requests without Host' : '';
    const cert = site.ownTls && site.tls ? `; ssl_certificate ${site.tls.certificate}, given by SNI` : '';
    decisions.push(decision('sites', 'native', `${site.label}: its own server blocks (${names})${fallback}${cert}; nginx tries exact names, then the longest leading wildcard`, site.id === null ? (site.domains.length ? '/domains' : '/routes') : `${site.pointer}/domains`));
  }
  if (model.strictHost) decisions.push(decision('strictHost', 'native', 'a default_server on each port answers 421 to a Host (or, over HTTPS, an SNI name) no site lists, and to requests without Host', '/strictHost'));
}

/** nginx refuses a limit_conn number above this ("connection limit must be less 65536"). */
const LIMIT_CONN_MAX = 65535;

/** The total and per-client connection limits nginx can count (see generalDecisions for the rest). */
function connectionLimits(model: Model, clientVariable: string): { key: string; zone: string; n: number }[] {
  const { maxConnections: total, connectionsPerClient: perClient } = model.limits;
  return [
    { key: '$lbgen_everyone', zone: `${model.name}_total`, n: total },
    ...(perClient !== null ? [{ key: clientVariable, zone: `${model.name}_perclient`, n: perClient }] : []),
  ].filter((l) => l.n <= LIMIT_CONN_MAX);
}

function limitConns(model: Model): string[] {
  // The zone names and numbers only: the key does not matter here.
  return connectionLimits(model, '').map((l) => `${l.zone} ${l.n}`);
}

/**
 * What per-client limits count by: the whole address ($binary_remote_addr) at a prefix length of
 * 128, else the client's IPv6 network through a map (clientkey.ts). Only a topology with such a
 * limit gets the map.
 */
function clientKey(model: Model): { variable: string; map: NginxView['clientKey'] } {
  const map = perClientLimited(model) ? clientKeyMap(model.limits.ipv6PrefixLength) : null;
  if (!map) return { variable: '$binary_remote_addr', map: null };
  const comment = `Per-client limits count an IPv6 client by its /${model.limits.ipv6PrefixLength} network (limits.ipv6PrefixLength), an IPv4 one by its address.`;
  return { variable: CLIENT_KEY_VARIABLE, map: { comment, ...map } };
}

/** How the client address is found (listen.trustedProxies) and how per-client limits count it, for explain. */
function clientDecisions(model: Model): Decision[] {
  const out: Decision[] = [];
  const trusted = model.listen.trustedProxies;
  if (trusted) {
    const from = model.listen.proxyProtocol
      ? 'listen ... proxy_protocol on the HTTP and HTTPS ports (every connection must start with a PROXY header, v1 or v2), real_ip_header proxy_protocol'
      : 'real_ip_header X-Forwarded-For, real_ip_recursive on (the rightmost address that is not itself trusted)';
    const scheme = forwardsScheme(model) ? ", and the trusted balancer's X-Forwarded-Proto (http or https) as it is (a geo on $realip_remote_addr and a map)" : '';
    out.push(decision('trustedProxies', 'native', `realip module: set_real_ip_from each network, ${from}; only from those peers. Rate and connection limits, allowFrom, source-IP stickiness and the access log see the client address; backends get it alone in X-Forwarded-For and X-Real-IP (the trusted hops are dropped)${scheme}. Stats and metrics keep the connecting address`, '/listen/trustedProxies'));
  }
  if (perClientLimited(model)) {
    const bits = model.limits.ipv6PrefixLength;
    out.push(decision('clientPrefix', 'native', bits === 128
      ? 'per-client limits count each address ($binary_remote_addr)'
      : `per-client limits count an IPv6 client by its /${bits} network (a map on $remote_addr), an IPv4 one by its address; source-IP stickiness stays per address`, '/limits'));
  }
  return out;
}

/** What X-Forwarded-Proto tells the servers: the trusted balancer's word (the map of trustedScheme), else the connection's scheme. */
const forwardedProto = (model: Model): string => (forwardsScheme(model) ? '$lbgen_forwarded_proto' : '$scheme');

/** listen.trustedProxies as the realip module's settings, in each proxied server. */
function realIp(model: Model): ServerView['realIp'] {
  const trusted = model.listen.trustedProxies;
  if (!trusted) return null;
  return { from: trusted.map((c) => c.text), header: model.listen.proxyProtocol ? 'proxy_protocol' : 'X-Forwarded-For' };
}

/**
 * Without Host, $host is the first server_name: a wildcard ("https://*.example.com/") or nothing
 * ("https://:443/"). Such a request goes to the first domain that is not a wildcard, or is
 * refused (400) when there is none; null where the first server_name is that domain already.
 */
function redirectWithoutHost(model: Model, port: string): string | null {
  const domain = model.primaryDomain;
  if (domain !== null && domain === model.domains[0]) return null;
  if (domain === null) return '400';
  // Part of a larger argument: only a name that needs no quoting can be (the schema admits no other).
  if (nginxArg(domain) !== domain) throw new RenderError(`nginx cannot write the domain ${JSON.stringify(domain)} into a URL`);
  return `301 https://${domain}${port}$request_uri`;
}

function plainServer(model: Model, site: Site, routed: LocationView[]): ServerView {
  const port = model.listen.https === 443 ? '' : `:${model.listen.https}`;
  const redirect = model.listen.redirectToHttps ? `https://$host${port}$request_uri` : null;
  return {
    comment: `${redirect ? 'Plain HTTP: redirect to HTTPS (no HSTS here: RFC 6797 forbids it over HTTP)' : 'Plain HTTP'}${siteNote(model, site)}`,
    listens: listens(model, model.listen.http, `${model.listen.proxyProtocol ? ' proxy_protocol' : ''}${defaultServer(model, site)}`),
    serverName: serverName(site),
    tls: null,
    realIp: realIp(model),
    forwardedProto: forwardedProto(model),
    http2Directive: false,
    headers: [],
    redirect,
    // Only the default server sees requests without Host.
    redirectWithoutHost: redirect && site.id === null && !model.strictHost ? redirectWithoutHost(model, port) : null,
    limitConns: limitConns(model),
    canaryCookie: !redirect && hasCanary(site),
    refuse: null,
    locations: redirect ? [] : routed,
  };
}

const siteNote = (model: Model, site: Site): string => (hostRouting(model) ? `, ${site.label}` : '');

/** site null: the strictHost refusing server, with the default certificate. */
function httpsServer(model: Model, site: Site | null, routed: LocationView[]): ServerView {
  const tls = site?.tls ?? model.tls!;
  // `listen ... http2` is the only form before 1.25.1; the `http2 on` directive replaces it after.
  const http2Directive = tls.http2 && atLeast(model.nginx.version, '1.25.1');
  const suffix = ` ssl${tls.http2 && !http2Directive ? ' http2' : ''}${model.listen.proxyProtocol ? ' proxy_protocol' : ''}${defaultServer(model, site)}`;
  return {
    comment: `HTTPS${site ? siteNote(model, site) : ''}`,
    listens: listens(model, model.listen.https!, suffix),
    serverName: site ? serverName(site) : null,
    tls: {
      certificate: nginxArg(tls.certificate),
      key: nginxArg(tls.key),
      protocols: tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2 TLSv1.3',
      ciphers: TLS12_CIPHERS,
      sessionCache: `shared:${model.name}_tls:10m`,
    },
    realIp: realIp(model),
    forwardedProto: forwardedProto(model),
    http2Directive,
    headers: model.securityHeaders.map((h) => ({ name: nginxArg(h.name), value: nginxArg(h.value) })),
    redirect: null,
    redirectWithoutHost: null,
    limitConns: limitConns(model),
    canaryCookie: site !== null && hasCanary(site),
    refuse: null,
    locations: routed,
  };
}

const hasCanary = (site: Site): boolean => site.routes.some((r) => r.canary);
