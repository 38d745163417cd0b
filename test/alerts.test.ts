/** monitoring.alerts must name a threshold: an empty block alerts on nothing (found by the property test). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LbgenError, formatDiagnostic } from '../src/diagnostics.js';
import { analyse } from '../src/pipeline.js';

const topology = (alerts: string) => `version: 1\nname: c\nservers: { s1: { address: 10.0.0.1, port: 80 } }\npools: { p: { servers: [s1] } }\nroutes: [ { path: /, pool: p } ]\nmonitoring:\n  alerts: ${alerts}\n`;

test('an alerts block without a threshold is refused at its key; one threshold is enough', () => {
  for (const alerts of ['{}', '{ notify: "arn:aws:sns:eu-west-1:123456789012:ops" }']) {
    assert.throws(() => analyse(topology(alerts), { file: 't.yaml', targets: ['cloudformation'] }), (e: unknown) => {
      assert.ok(e instanceof LbgenError);
      assert.deepEqual(e.diagnostics.map(formatDiagnostic), ['t.yaml:7:3: error: monitoring.alerts: no threshold: give at least one of errorRatePercent, responseTime and unhealthyServersPercent, or leave alerts out']);
      return true;
    });
  }
  const ok = analyse(topology('{ responseTime: 2s }'), { file: 't.yaml', targets: ['cloudformation', 'nginx', 'haproxy'] });
  assert.ok(!ok.diagnostics.some((d) => d.severity === 'error'));
});
