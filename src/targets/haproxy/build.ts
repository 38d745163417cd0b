import { error, type Diagnostic, warning } from '../../diagnostics.js';
import { type Model, type Pool, allRoutes, streamOnlyPools } from '../../model/model.js';
import { atLeast, formatDuration } from '../../model/duration.js';
import { haproxyArg } from '../../render/escape.js';
import { gapNotes, headerLines } from '../header.js';
import { TLS12_CIPHERS, TLS13_SUITES } from '../tls.js';
import { TRIES } from '../retry.js';
import { type Decision, type Target, decision } from '../target.js';
import { metricsView, statsView, tableViews } from './admin.js';
import { backendView } from './backend.js';
import { frontendView, routeTimeouts } from './frontend.js';
import { streamsView } from './stream.js';
import type { DefaultsView, GlobalView, HaproxyView } from './view.js';

export type { HaproxyView } from './view.js';

/**
 * The oldest HAProxy this output runs on: conditional blocks (`.if`/`.alert`, for the fail-closed
 * stats password), `http-after-response`, `http-check send`, `pathq` and `normalize-uri` are all
 * in 2.6, the LTS line Debian 12 ships; 2.4, the LTS before it, is out of support.
 */
export const OLDEST_HAPROXY = '2.6';

/** Mozilla's "intermediate" TLS 1.2 suites (ECDHE only: no DH parameters needed); TLS 1.3 suites are OpenSSL's. */

/** Time allowed to send a complete request head: bounds slow-header (slowloris) clients. */
const HTTP_REQUEST_TIMEOUT = 10_000;

/** Connect timeout of the proxies that have no pool of their own (stats, metrics); pool backends set theirs. */
const DEFAULT_CONNECT_TIMEOUT = 5_000;

/**
 * ISO 8601 in local time, when the line is written: what nginx's $time_iso8601 holds, so both
 * proxies' lines parse alike (%tr, HAProxy's own "27/Nov/2026:03:55:54.258", would not).
 */
const LOG_TIME = '%[date,ltime(%Y-%m-%dT%H:%M:%S%z)]';
/** One JSON object per request; the only client-controlled field (the URI) goes through json(). */
const JSON_LOG = '{"time":"' + LOG_TIME + '","client":"%ci","method":"%HM","path":"%[capture.req.uri,json(utf8s)]","status":%ST,"bytes":%B,"backend":"%b","server":"%s","upstream":"%si:%sp","request_ms":%Ta,"upstream_ms":%Tr,"termination":"%ts"}';
/**
 * Connection errors (a failed TLS handshake, a client that sent nothing valid) are logged with
 * their own format, HAProxy's text one unless set: in JSON mode they must stay JSON lines too.
 * fc_err_str names the error; ssl_fc_err_str the TLS reason ("-" when there is none).
 */
const JSON_ERROR_LOG = '{"time":"' + LOG_TIME + '","client":"%ci","frontend":"%f","error":"%[fc_err_str,json(utf8s)]","tls_error":"%[ssl_fc_err_str,json(utf8s)]","termination":"%ts"}';
/** Apache's combined format; Referer and User-Agent are captured by the frontend in this order. */
const COMBINED_LOG = '%ci - - [%trg] %{+Q}r %ST %B %{+Q}[capture.req.hdr(0)] %{+Q}[capture.req.hdr(1)]';

export const haproxy: Target<HaproxyView> = {
  name: 'haproxy',
  files: [{ template: 'haproxy.cfg.hbs', path: 'haproxy.cfg' }],
  build(model) {
    const decisions: Decision[] = [];
    const diagnostics: Diagnostic[] = [];
    if (!atLeast(model.haproxy.version, OLDEST_HAPROXY)) {
      diagnostics.push(error('/haproxy/version', `haproxy.version ${model.haproxy.version.text}: lbgen's haproxy.cfg needs HAProxy ${OLDEST_HAPROXY} or later (conditional blocks, http-after-response, normalize-uri)`));
    }
    const frontend = frontendView(model, decisions);
    const perRoute = routeTimeouts(model);
    const backends = httpPools(model).map((p) => backendView(model, p, decisions, perRoute.get(p)));
    const stats = statsView(model, decisions);
    const metrics = metricsView(model, decisions);
    const streams = streamsView(model, decisions, diagnostics);
    decisions.push(decision('accessLog', 'native', `log-format (${model.monitoring.accessLog}) to stdout`, '/monitoring'));
    decisions.push(decision('privileges', 'native', privilegesNote(model), '/haproxy'));
    decisions.push(decision('reloads', 'native', `hard-stop-after ${formatDuration(model.limits.shutdownTimeout)}: after a reload (-sf) the old process closes the connections it still holds (WebSocket tunnels) then (limits.shutdownTimeout)`, '/limits'));
    if (model.haproxy.user !== null && model.haproxy.group === null) {
      diagnostics.push(warning('/haproxy/group', `haproxy.group is null while haproxy.user is ${model.haproxy.user}: the workers keep the group that starts HAProxy (root's, when started as root); set a group`));
    }
    if (model.monitoring.alerts) {
      decisions.push(decision('alerts', 'native', 'prometheus-rules.yaml over the built-in exporter: 5xx share, average response time, active servers per pool', model.monitoring.alerts.pointer));
      if (!model.monitoring.metrics) {
        diagnostics.push(warning(model.monitoring.alerts.pointer, 'prometheus-rules.yaml reads the metrics of HAProxy\'s Prometheus exporter, which only monitoring.metrics opens: without it, nothing serves them (add monitoring.metrics)'));
      }
    }
    return {
      view: {
        header: headerLines(model, `HAProxy >= ${model.haproxy.version.text}`),
        gaps: gapNotes(decisions),
        global: globalView(model, frontend.normalizers.length > 0),
        defaults: defaultsView(model),
        frontend,
        backends,
        tables: tableViews(model),
        stats,
        metrics,
        streamDefaults: streams.defaults,
        streams: streams.streams,
      },
      decisions,
      diagnostics,
    };
  },
};

/** The pools with an HTTP backend: all but those only streams use (their listen sections serve them). */
function httpPools(model: Model): readonly Pool[] {
  const streamOnly = streamOnlyPools(model);
  return streamOnly.size ? model.pools.filter((p) => !streamOnly.has(p)) : model.pools;
}

/** What the global section does with root, for explain. */
function privilegesNote(model: Model): string {
  const { user, group, chroot, adminSocket } = model.haproxy;
  const who = user === null && group === null ? 'workers keep the user and group that start HAProxy' : `workers drop root to ${[user && `user ${user}`, group && `group ${group}`].filter(Boolean).join(', ')}`;
  const where = chroot === null ? 'no chroot' : `chroot ${chroot}`;
  const api = adminSocket === null ? 'no runtime API socket' : `runtime API at ${adminSocket} (stats socket mode 600 level admin)`;
  return `${who}; ${where}; ${api}`;
}

function globalView(model: Model, experimental: boolean): GlobalView {
  const tls = model.tls;
  const h = model.haproxy;
  const arg = (v: string | null) => (v === null ? null : haproxyArg(v));
  return {
    user: arg(h.user),
    group: arg(h.group),
    chroot: arg(h.chroot),
    adminSocket: arg(h.adminSocket),
    maxconn: model.limits.maxConnections,
    hardStopAfter: formatDuration(model.limits.shutdownTimeout),
    experimental,
    tls: tls ? { bindOptions: `ssl-min-ver ${tls.minVersion} no-tls-tickets`, ciphers: TLS12_CIPHERS, ciphersuites: TLS13_SUITES } : null,
  };
}

function defaultsView(model: Model): DefaultsView {
  // A client waits as long as the slowest pool may take to answer; each backend sets its own server timeout.
  // A loop, not Math.max(...list): no array and no call with 20,000 arguments on a large topology.
  let longest = -Infinity;
  for (const p of httpPools(model)) longest = Math.max(longest, p.timeouts.server);
  for (const r of allRoutes(model)) longest = Math.max(longest, r.timeouts.server);
  return {
    logFormat: haproxyArg(model.monitoring.accessLog === 'json' ? JSON_LOG : COMBINED_LOG),
    // The combined format leaves errors in HAProxy's own text form, as nginx leaves them to its error log.
    errorLogFormat: model.monitoring.accessLog === 'json' ? haproxyArg(JSON_ERROR_LOG) : null,
    retries: TRIES - 1,
    timeouts: [
      { name: 'connect', value: formatDuration(DEFAULT_CONNECT_TIMEOUT) },
      { name: 'client', value: formatDuration(longest) },
      { name: 'server', value: formatDuration(longest) },
      { name: 'http-request', value: formatDuration(HTTP_REQUEST_TIMEOUT) },
      { name: 'queue', value: formatDuration(model.limits.queueTimeout) },
    ],
  };
}
