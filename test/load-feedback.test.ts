/** pools.<id>.loadFeedback: HAProxy's agent check on each server, a warning on nginx and the ALB, and its refusals. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LbgenError } from '../src/diagnostics.js';
import { analyse, generate } from '../src/pipeline.js';
import type { TargetName } from '../src/targets/target.js';

type Topology = Record<string, unknown>;

const BASE: Topology = {
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000, weight: 2 } },
  pools: { web: { servers: ['s1', 's2'], loadFeedback: { port: 9999 } } },
  routes: [{ path: '/', pool: 'web' }],
};
const withPool = (p: Topology): Topology => ({ ...BASE, pools: { web: { servers: ['s1', 's2'], ...p } } });

function render(t: Topology, target: TargetName) {
  const text = JSON.stringify(t);
  const opts = { file: 't.yaml', targets: [target] };
  return { text: generate(text, opts).files[0]!.text, decisions: analyse(text, opts).decisions[0]!.decisions.filter((d) => d.feature === 'loadFeedback') };
}
const serverLines = (cfg: string) => cfg.split('\n').filter((l) => /^\s+server /.test(l)).map((l) => l.trim());

function refusedAt(t: Topology): string[] {
  try {
    generate(JSON.stringify(t), { file: 't.yaml', targets: ['haproxy'] });
  } catch (e) {
    if (!(e instanceof LbgenError)) throw e;
    return e.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`);
  }
  assert.fail('the topology was accepted');
}

test('HAProxy: agent-check on every server (default interval 5s), weights x the largest factor up to 100 within 256', () => {
  const r = render(BASE, 'haproxy');
  // Weights 1 and 2: x100 would make 200, within 256.
  assert.deepEqual(serverLines(r.text), [
    'server s1 10.0.0.1:3000 weight 100 agent-check agent-port 9999 agent-inter 5s',
    'server s2 10.0.0.2:3000 weight 200 agent-check agent-port 9999 agent-inter 5s',
  ]);
  assert.equal(r.decisions.length, 1);
  assert.equal(r.decisions[0]!.outcome, 'native');
  assert.equal(r.decisions[0]!.pointer, '/pools/web/loadFeedback');
  assert.match(r.decisions[0]!.note, /^agent-check agent-port 9999 agent-inter 5s on each server: .*drain.*x100 \(1 becomes 100\)/);
  const three = render({ ...BASE, servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000, weight: 3, backup: true } }, pools: { web: { servers: ['s1', 's2'], loadFeedback: { port: 9999, interval: '750ms' } } } }, 'haproxy');
  assert.deepEqual(serverLines(three.text), [
    'server s1 10.0.0.1:3000 weight 85 agent-check agent-port 9999 agent-inter 750ms',
    'server s2 10.0.0.2:3000 weight 255 backup agent-check agent-port 9999 agent-inter 750ms',
  ]);
  const heavy = render({ ...BASE, servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000, weight: 129 } } }, 'haproxy');
  assert.deepEqual(serverLines(heavy.text).map((l) => l.split(' agent-check')[0]), ['server s1 10.0.0.1:3000', 'server s2 10.0.0.2:3000 weight 129']);
  assert.match(heavy.decisions[0]!.note, /rendered as they are/);
});

test('without loadFeedback, server lines are as before: no agent, weights unscaled', () => {
  assert.deepEqual(serverLines(render(withPool({}), 'haproxy').text), ['server s1 10.0.0.1:3000', 'server s2 10.0.0.2:3000 weight 2']);
  assert.deepEqual(render(withPool({}), 'haproxy').decisions, []);
});

test('nginx and the ALB: unsupported, static weights kept, the nearest mechanism named', () => {
  const nginx = render(BASE, 'nginx');
  assert.ok(!/agent|weight=200/.test(nginx.text.replace(/#.*$/gm, '')), 'nginx keeps its static weights and has no agent');
  assert.match(nginx.text, /weight=2 /);
  assert.equal(nginx.decisions[0]!.outcome, 'unsupported');
  assert.match(nginx.decisions[0]!.note, /pool "web" keeps its static weights .*balance: least-connections \(least_conn\)/);
  assert.match(render(withPool({ balance: 'least-connections', loadFeedback: { port: 9999 } }), 'nginx').decisions[0]!.note, /its least_conn is the nearest/);
  const alb = render(BASE, 'cloudformation');
  assert.equal(alb.decisions[0]!.outcome, 'unsupported');
  assert.match(alb.decisions[0]!.note, /least_outstanding_requests/);
  assert.match(render(withPool({ balance: 'least-connections', loadFeedback: { port: 9999 } }), 'cloudformation').text, /Value: "least_outstanding_requests"/);
});

test('refused: no port, a port out of range, an unknown key, an interval of 0 or over 24 days, the port a server serves on', () => {
  assert.match(refusedAt(withPool({ loadFeedback: {} }))[0]!, /^pools\.web\.loadFeedback: .*port/);
  assert.match(refusedAt(withPool({ loadFeedback: { port: 0 } }))[0]!, /^pools\.web\.loadFeedback\.port: /);
  assert.match(refusedAt(withPool({ loadFeedback: { port: 65536 } }))[0]!, /^pools\.web\.loadFeedback\.port: /);
  assert.match(refusedAt(withPool({ loadFeedback: { port: 9999, addr: '10.0.0.9' } }))[0]!, /^pools\.web\.loadFeedback/);
  assert.deepEqual(refusedAt(withPool({ loadFeedback: { port: 9999, interval: '0s' } })), ['pools.web.loadFeedback.interval: must be more than 0']);
  assert.match(refusedAt(withPool({ loadFeedback: { port: 9999, interval: '25d' } }))[0]!, /^pools\.web\.loadFeedback\.interval: must be at most 24d/);
  assert.deepEqual(refusedAt(withPool({ loadFeedback: { port: 3000 } })), ['pools.web.loadFeedback.port: port 3000 is the port server "s1" serves on: the agent that reports its load listens on a port of its own']);
});
