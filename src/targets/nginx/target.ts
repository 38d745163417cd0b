import type { Model, Pool, Route } from '../../model/model.js';
import { atLeast, formatDuration } from '../../model/duration.js';
import { RenderError, nginxArg } from '../../render/escape.js';
import { gapNotes, headerLines } from '../header.js';
import { TLS12_CIPHERS } from '../tls.js';
import { lastOf } from '../memo.js';
import { TRIES } from '../retry.js';
import { type Decision, type Target, decision, inheritedNote } from '../target.js';
import { type LocationView, locations } from './location.js';
import { poolUpstreams, type UpstreamView, type StickyMapView } from './upstream.js';

/** Every leaf is already a legal nginx token (escaped by nginxArg) or a number. */
export type NginxView = {
  /** Where nginx does not do natively what the topology asks (also printed as warnings). */
  gaps: string[];
  header: string[];
  workerConnections: number;
  fileLimit: number;
  /** worker_shutdown_timeout: limits.shutdownTimeout. */
  shutdownTimeout: string;
  /** proxy_next_upstream_tries. */
  upstreamTries: number;
  accessLog: { format: string; jsonFormat: boolean; path: string };
  rateZones: { name: string; rate: string; comment: string }[];
  connectionZones: { key: string; name: string }[];
  /** Idle upstream connections close after this: backends must keep theirs open longer (Node's default is 5s). */
  upstreamIdleTimeout: string;
  stickyMaps: StickyMapView[];
  upstreams: UpstreamView[];
  servers: ServerView[];
  /** stub_status on its own port, for monitoring.metrics. */
  metrics: { listens: string[]; path: string; allow: string[] } | null;
};

export type ServerView = {
  comment: string;
  listens: string[];
  serverName: string | null;
  tls: { certificate: string; key: string; protocols: string; ciphers: string; sessionCache: string } | null;
  http2Directive: boolean;
  headers: { name: string; value: string }[];
  redirect: string | null;
  /**
   * What `return` gives a request without Host (HTTP/1.0) where $host would not: its fallback, the
   * first server_name, is a wildcard or empty. null: $host falls back to the right domain already.
   */
  redirectWithoutHost: string | null;
  limitConns: string[];
  locations: LocationView[];
};

/** Shorter than Node's default keepAliveTimeout (5s), so nginx never reuses a connection the backend is closing. */
export const UPSTREAM_IDLE_TIMEOUT = 4000;

/** Upstream and zone names: the application's name, then the pool's id (both limited by the schema). */
export function upstreamName(model: Model, pool: Pool): string {
  // Each pool's name is written by its upstream and by two locations per route: make it once.
  let name = upstreamNames.get(pool);
  if (name === undefined) upstreamNames.set(pool, (name = `${model.name}_${pool.id}`));
  return name;
}
const upstreamNames = new WeakMap<Pool, string>();

export const nginx: Target<NginxView> = {
  name: 'nginx',
  files: [{ template: 'nginx.conf.hbs', path: 'nginx.conf' }],
  build(model) {
    const decisions: Decision[] = [];
    const stickyMaps: StickyMapView[] = [];
    const perPool = model.pools.map((pool, i) => poolUpstreams(model, pool, i, decisions, stickyMaps));
    const upstreams = perPool.flatMap((p) => p.upstreams);
    const proxyPass = new Map(model.pools.map((pool, i) => [pool, perPool[i]!.proxyPass]));
    const rateZones = model.routes.flatMap((r) =>
      r.rateLimit ? [{ name: zoneName(model, r), rate: `${r.rateLimit.perSecond}r/s`, comment: `routes[${r.index}] ${r.path}` }] : [],
    );
    model.routes.forEach((r) => routeDecisions(r, decisions));
    decisions.push(...generalDecisions(model));
    if (model.securityHeaders.length) decisions.push(decision('securityHeaders', 'native', "add_header ... always at server level (no location adds its own, so none loses them); the application's own copy is hidden (proxy_hide_header), so the topology's value replaces it as on HAProxy", '/securityHeaders'));
    // With TLS but no redirect, both servers proxy every route: one list serves both.
    const routed = locations(model, proxyPass);
    const https = model.tls ? httpsServer(model, routed) : null;
    const http = plainServer(model, routed);
    // Each proxied client connection also holds one to a backend.
    const workerConnections = Math.max(1024, model.limits.maxConnections * 2);
    return {
      view: {
        header: headerLines(model, `nginx >= ${model.nginx.version.text}`),
        gaps: gapNotes(decisions, new Set(upstreams.flatMap((u) => u.comments))),
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
        rateZones,
        connectionZones: connectionLimits(model).map((l) => ({ key: l.key, name: l.zone })),
        upstreamIdleTimeout: formatDuration(UPSTREAM_IDLE_TIMEOUT),
        stickyMaps,
        upstreams,
        servers: https ? [http, https] : [http],
        metrics: model.monitoring.metrics
          ? { listens: listens(model, model.monitoring.metrics.port, ''), path: nginxArg(model.monitoring.metrics.path), allow: model.monitoring.metrics.allowFrom.map((c) => c.text) }
          : null,
      },
      decisions,
      diagnostics: [],
    };
  },
};

/** Features every topology has: how nginx realises them, for explain. */
function generalDecisions(model: Model): Decision[] {
  const listed = model.routes.some((r) => r.allowFrom && r.path !== '/');
  const out = [decision('routing', 'native', `location = /p plus location /p/ per route: longest prefix wins, /p never matches /px${listed ? '; a route with an allowFrom is one case-insensitive regex location (~* ^/p(/|end)), tried longest first' : ''}`, '/routes')];
  const { maxConnections: total, connectionsPerClient: perClient } = model.limits;
  out.push(decision('connectionLimits', 'native', `limit_conn on a shared key (total ${total})${perClient !== null ? ` and per client address (${perClient})` : ''}; nginx counts requests in progress (each HTTP/2 stream apart), where HAProxy counts open TCP connections; 429 beyond (HAProxy queues over maxconn and closes a client's extra connection)`, '/limits'));
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
  out.push(decision('accessLog', 'native', `${model.monitoring.accessLog === 'json' ? 'log_format escape=json with upstream address, status and timings' : 'the combined log format'}, to ${model.nginx.accessLog} (nginx.accessLog)`, '/monitoring'));
  if (model.listen.redirectToHttps) {
    const noHost = model.primaryDomain === null
      ? 'a request without Host (HTTP/1.0) is answered 400: no domain that is not a wildcard to send it to'
      : `a request without Host (HTTP/1.0) goes to ${model.primaryDomain}, the first domain that is not a wildcard`;
    out.push(decision('redirect', 'native', `return 301 https://$host[:port]$request_uri; ${noHost}`, '/listen'));
  }
  for (const p of model.pools) {
    if (p.keepalive > 0) out.push(decision('keepalive', 'native', keepaliveNote(p.keepalive), p.pointer));
    if (p.members.some((m) => m.weight !== 1)) out.push(decision('weights', 'native', 'server ... weight=N', `${p.pointer}/servers`));
  }
  return out;
}

const keepaliveNote = lastOf((size: number) => `keepalive ${size} with HTTP/1.1 and an empty Connection header`);

export function zoneName(model: Model, r: Route): string {
  return `${model.name}_route${r.index}`;
}

function routeDecisions(r: Route, decisions: Decision[]): void {
  if (r.rateLimit) {
    decisions.push(decision('rateLimit', 'native', `limit_req burst=${r.rateLimit.burst} nodelay, 429 beyond`, r.rateLimit.pointer));
  }
  if (r.allowFrom) decisions.push(decision('allowFrom', 'native', `${inheritedNote(r)}allow ...; deny all; (403)${r.path === '/' ? '' : `, on ${r.path} in any letter case (~*)`}`, r.allowFromPointer));
  if (r.websocket) {
    decisions.push(decision('websocket', 'native', 'Upgrade passed with Connection: upgrade on this route only ($lbgen_websocket), HTTP/1.1, the tunnel timeout as proxy_read_timeout', `${r.pointer}/websocket`));
    // proxy_read_timeout takes no variable: one value serves the location's tunnels and plain requests.
    const { server, tunnel } = r.pool.timeouts;
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

function serverName(model: Model): string | null {
  return model.domains.length ? model.domains.map(nginxArg).join(' ') : null;
}

/** nginx refuses a limit_conn number above this ("connection limit must be less 65536"). */
const LIMIT_CONN_MAX = 65535;

/** The total and per-client connection limits nginx can count (see generalDecisions for the rest). */
function connectionLimits(model: Model): { key: string; zone: string; n: number }[] {
  const { maxConnections: total, connectionsPerClient: perClient } = model.limits;
  return [
    { key: '$lbgen_everyone', zone: `${model.name}_total`, n: total },
    ...(perClient !== null ? [{ key: '$binary_remote_addr', zone: `${model.name}_perclient`, n: perClient }] : []),
  ].filter((l) => l.n <= LIMIT_CONN_MAX);
}

function limitConns(model: Model): string[] {
  return connectionLimits(model).map((l) => `${l.zone} ${l.n}`);
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

function plainServer(model: Model, routed: LocationView[]): ServerView {
  const port = model.listen.https === 443 ? '' : `:${model.listen.https}`;
  const redirect = model.listen.redirectToHttps ? `https://$host${port}$request_uri` : null;
  return {
    comment: redirect ? 'Plain HTTP: redirect to HTTPS (no HSTS here: RFC 6797 forbids it over HTTP)' : 'Plain HTTP',
    listens: listens(model, model.listen.http, ''),
    serverName: serverName(model),
    tls: null,
    http2Directive: false,
    headers: [],
    redirect,
    redirectWithoutHost: redirect ? redirectWithoutHost(model, port) : null,
    limitConns: limitConns(model),
    locations: redirect ? [] : routed,
  };
}

function httpsServer(model: Model, routed: LocationView[]): ServerView {
  const tls = model.tls!;
  // `listen ... http2` is the only form before 1.25.1; the `http2 on` directive replaces it after.
  const http2Directive = tls.http2 && atLeast(model.nginx.version, '1.25.1');
  const suffix = ` ssl${tls.http2 && !http2Directive ? ' http2' : ''}`;
  return {
    comment: 'HTTPS',
    listens: listens(model, model.listen.https!, suffix),
    serverName: serverName(model),
    tls: {
      certificate: nginxArg(tls.certificate),
      key: nginxArg(tls.key),
      protocols: tls.minVersion === 'TLSv1.3' ? 'TLSv1.3' : 'TLSv1.2 TLSv1.3',
      ciphers: TLS12_CIPHERS,
      sessionCache: `shared:${model.name}_tls:10m`,
    },
    http2Directive,
    headers: model.securityHeaders.map((h) => ({ name: nginxArg(h.name), value: nginxArg(h.value) })),
    redirect: null,
    redirectWithoutHost: null,
    limitConns: limitConns(model),
    locations: routed,
  };
}
