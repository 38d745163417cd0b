import { yamlScalar } from '../../render/escape.js';
import { decision } from '../target.js';
import type { Ctx, TargetGroupView } from './view.js';

/** One metric of an alarm: a MetricStat (with its dimensions as intrinsics) or a math expression. */
export type AlarmMetricView = {
  id: string;
  expression: string | null;
  label: string | null;
  stat: { name: string; stat: string; dimensions: { name: string; value: string }[] } | null;
  returnData: boolean;
};

/** `topic`: what the alarm notifies, the same for every alarm (AlarmsView's topic): templates read no @root (src/render/handlebars-options.json). */
export type AlarmView = { logicalId: string; description: string; threshold: number; comparison: string; topic: string; metrics: AlarmMetricView[] };

export type AlarmsView = { topicParameter: boolean; topic: string; alarms: AlarmView[] };

const LB = { name: 'LoadBalancer', value: '!GetAtt LoadBalancer.LoadBalancerFullName' };
const stat = (id: string, name: string, s: string, dimensions = [LB]): AlarmMetricView => ({ id, expression: null, label: null, stat: { name, stat: s, dimensions }, returnData: false });
const math = (id: string, expression: string, label: string): AlarmMetricView => ({ id, expression: yamlScalar(expression), label: yamlScalar(label), stat: null, returnData: true });

/**
 * monitoring.alerts as CloudWatch alarms over the ALB's own metrics (1-minute periods, 3 of 5
 * breaching): the 5xx share of requests, the average target response time, and per target group
 * the share of unhealthy targets. They notify the SNS topic given, or the AlarmTopicArn parameter.
 */
export function alarmsView(ctx: Ctx, targetGroups: readonly TargetGroupView[]): AlarmsView | null {
  const a = ctx.model.monitoring.alerts;
  if (!a) return null;
  const alarms: AlarmView[] = [];
  const topic = a.notify === null ? '!Ref AlarmTopicArn' : yamlScalar(a.notify);
  if (a.errorRatePercent !== null) {
    alarms.push({
      logicalId: 'AlarmErrorRate',
      description: yamlScalar(`${ctx.model.name}: more than ${a.errorRatePercent}% of requests answered 5xx by the targets or by the load balancer`),
      threshold: a.errorRatePercent,
      comparison: 'GreaterThanThreshold',
      topic,
      // The load balancer's own 5xx (no healthy target, a target that timed out) count as HAProxy's
      // 503 and 504 do in its rule. RequestCount leaves out requests refused before a target was
      // chosen, so they are added below the line too: the share stays within 0-100.
      metrics: [
        stat('errors', 'HTTPCode_Target_5XX_Count', 'Sum'),
        stat('lberrors', 'HTTPCode_ELB_5XX_Count', 'Sum'),
        stat('requests', 'RequestCount', 'Sum'),
        math('rate', 'IF(FILL(requests, 0) + FILL(lberrors, 0) > 0, 100 * (FILL(errors, 0) + FILL(lberrors, 0)) / (FILL(requests, 0) + FILL(lberrors, 0)), 0)', '5xx share of requests (%)'),
      ],
    });
  }
  if (a.responseTime !== null) {
    alarms.push({
      logicalId: 'AlarmResponseTime',
      description: yamlScalar(`${ctx.model.name}: average target response time above ${a.responseTime / 1000}s`),
      threshold: a.responseTime / 1000,
      comparison: 'GreaterThanThreshold',
      topic,
      metrics: [{ ...stat('latency', 'TargetResponseTime', 'Average'), returnData: true }],
    });
  }
  if (a.unhealthyServersPercent !== null) {
    for (const tg of targetGroups) {
      const dims = [{ name: 'TargetGroup', value: `!GetAtt ${tg.logicalId}.TargetGroupFullName` }, LB];
      alarms.push({
        logicalId: `AlarmUnhealthy${tg.logicalId}`,
        description: yamlScalar(`${ctx.model.name}: more than ${a.unhealthyServersPercent}% of the targets of ${tg.logicalId} unhealthy`),
        threshold: a.unhealthyServersPercent,
        comparison: 'GreaterThanThreshold',
      topic,
        metrics: [stat('unhealthy', 'UnHealthyHostCount', 'Maximum', dims), stat('healthy', 'HealthyHostCount', 'Minimum', dims), math('share', 'IF(unhealthy + healthy > 0, 100 * unhealthy / (unhealthy + healthy), 0)', 'unhealthy targets (%)')],
      });
    }
  }
  ctx.decisions.push(decision('alerts', 'native', `CloudWatch alarms (${alarms.length}) on AWS/ApplicationELB metrics, notifying ${a.notify ? 'the SNS topic given' : 'the AlarmTopicArn parameter'}`, a.pointer));
  return { topicParameter: a.notify === null, topic, alarms };
}
