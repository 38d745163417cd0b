import type { Model } from '../model/model.js';
import { formatDuration } from '../model/duration.js';
import { yamlScalar } from '../render/escape.js';
import { headerLines } from './header.js';
import type { TargetName } from './target.js';

/**
 * prometheus-rules.yaml: the alert thresholds of monitoring.alerts for the proxies that alert
 * outside themselves. HAProxy's built-in exporter has per-backend status classes, response times and
 * server states (names checked against HAProxy 2.6's /metrics); nginx's stub_status has none of
 * these, so its rules are left out (the nginx target warns about each) rather than faked.
 */
export const PROMETHEUS_RULES_FILE = 'prometheus-rules.yaml';

/** `pool` labels the per-pool rules, so that no two rules share a name and labels (promtool lints that). */
export type RuleView = { alert: string; expr: string; for: string; summary: string; pool: string | null };
export type PrometheusView = { header: string[]; groups: { name: string; rules: RuleView[] }[] };

export function prometheusView(model: Model, targets: readonly TargetName[]): PrometheusView | null {
  const a = model.monitoring.alerts;
  if (!a || !(targets.includes('nginx') || targets.includes('haproxy'))) return null;
  const groups: PrometheusView['groups'] = [];
  if (targets.includes('haproxy')) {
    // Pool backends are named <name>_<pool>; lbgen's own helper proxies use '.', so this matches pools only.
    const pools = `proxy=~"${model.name}_.+"`;
    const rules: RuleView[] = [];
    if (a.errorRatePercent !== null) {
      rules.push({
        alert: 'LbgenHaproxyErrorRate',
        expr: `100 * sum(rate(haproxy_backend_http_responses_total{${pools},code="5xx"}[5m])) / sum(rate(haproxy_backend_http_responses_total{${pools}}[5m])) > ${a.errorRatePercent}`,
        for: '3m',
        summary: `${model.name}: more than ${a.errorRatePercent}% of responses are 5xx`,
        pool: null,
      });
    }
    if (a.responseTime !== null) {
      rules.push({
        alert: 'LbgenHaproxyResponseTime',
        expr: `haproxy_backend_response_time_average_seconds{${pools}} > ${a.responseTime / 1000}`,
        for: '3m',
        summary: `${model.name}: a pool's average response time is above ${formatDuration(a.responseTime)}`,
        pool: null,
      });
    }
    if (a.unhealthyServersPercent !== null) {
      for (const p of model.pools.filter((x) => x.used)) {
        const regular = p.members.filter((m) => !m.backup).length;
        rules.push({
          alert: 'LbgenHaproxyUnhealthyServers',
          expr: `100 * (1 - haproxy_backend_active_servers{proxy="${model.name}_${p.id}"} / ${regular}) > ${a.unhealthyServersPercent}`,
          for: '1m',
          summary: `${model.name}: more than ${a.unhealthyServersPercent}% of pool ${p.id}'s ${regular} servers are down`,
          pool: p.id,
        });
      }
    }
    groups.push({ name: `lbgen-${model.name}-haproxy`, rules: rules.map(quote) });
  }
  return { header: headerLines(model, 'Prometheus alerting rules'), groups };
}

function quote(r: RuleView): RuleView {
  return { alert: r.alert, expr: yamlScalar(r.expr), for: r.for, summary: yamlScalar(r.summary), pool: r.pool === null ? null : yamlScalar(r.pool) };
}
