import { type Model, allRoutes } from '../../model/model.js';
import { formatDuration } from '../../model/duration.js';
import { RenderError, haproxyArg } from '../../render/escape.js';
import { type Decision, decision } from '../target.js';
import { allowList, binds, clientWord, metricsName, perClientTable, rateTable, statsName } from './names.js';
import type { MetricsView, StatsView, TableView } from './view.js';

/** Entries per table: one per client address seen recently. */
const TABLE_SIZE = '1m';

export function statsView(model: Model, decisions: Decision[]): StatsView | null {
  const s = model.stats;
  if (!s) return null;
  // The name goes inside "${...}" and ".if defined(...)", where nothing can be quoted.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.passwordEnv)) throw new RenderError(`haproxy cannot read the environment variable ${JSON.stringify(s.passwordEnv)}`);
  const tls = model.tls;
  const over = tls ? `HTTPS (crt ${tls.bundle}, the TLS floor of the global section)` : 'plain HTTP';
  decisions.push(decision('stats', 'native', `listen on port ${s.port} over ${over} behind Basic auth (user ${s.user}, password from $${s.passwordEnv} at start-up; HAProxy refuses to start when it is unset, and an empty one closes the page), only from ${s.allowFrom.map((c) => c.text).join(', ')}; admin actions only for that login`, s.pointer));
  const name = statsName(model);
  return {
    name,
    userlist: name,
    passwordEnv: s.passwordEnv,
    user: haproxyArg(s.user),
    passwordRef: `"\${${s.passwordEnv}}"`,
    auth: `${haproxyArg(`${s.user}:`)}"\${${s.passwordEnv}}"`,
    // With TLS, the login crosses the network encrypted: the page takes the HTTPS listener's certificate
    // (the global ssl-default-bind-* lines give it the same protocol floor and ciphers).
    binds: binds(model, s.port, tls ? ` ssl crt ${haproxyArg(tls.bundle)}` : ''),
    uri: haproxyArg(s.path),
    refresh: formatDuration(s.refresh),
    allowFrom: allowList(s.allowFrom, 'stats_allowed', ''),
  };
}

export function metricsView(model: Model, decisions: Decision[]): MetricsView | null {
  const m = model.monitoring.metrics;
  if (!m) return null;
  decisions.push(decision('metrics', 'native', `Prometheus exporter (http-request use-service prometheus-exporter) on port ${m.port} at ${m.path}, only from ${m.allowFrom.map((c) => c.text).join(', ')}`, m.pointer));
  return { name: metricsName(model), binds: binds(model, m.port), allowFrom: allowList(m.allowFrom, 'metrics_allowed', ''), path: haproxyArg(m.path) };
}

/** Stick tables live in backends of their own: a proxy holds at most one, and each limit needs its own counts. */
export function tableViews(model: Model): TableView[] {
  const out: TableView[] = [];
  if (model.limits.connectionsPerClient !== null) {
    const what = model.listen.trustedProxies ? 'requests in progress' : 'open connections';
    out.push({ name: perClientTable(model), comment: `limits.connectionsPerClient: ${what} per ${clientWord(model)}`, definition: `type ipv6 size ${TABLE_SIZE} expire 1m store conn_cur` });
  }
  for (const r of allRoutes(model)) {
    if (!r.rateLimit) continue;
    // gpc0 counts only the requests let through (sc-inc-gpc0 after the deny rule), so a client over the limit regains its rate after 1 s.
    out.push({ name: rateTable(model, r), comment: `${r.label} ${r.path}: requests served per ${clientWord(model)} in the last second`, definition: `type ipv6 size ${TABLE_SIZE} expire 10s store gpc0,gpc0_rate(1s)` });
  }
  return out;
}
