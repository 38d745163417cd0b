/** acceptedGaps: reviewed target gaps stay warnings under --strict, and a stale entry is said. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LbgenError, type LocatedDiagnostic } from '../src/diagnostics.js';
import { analyse } from '../src/pipeline.js';
import { strictly, summary } from '../src/cli/report.js';
import type { TargetName } from '../src/targets/target.js';

const health = { path: '/health', interval: '10s', rise: 2, fall: 3 };
const topology = (accepted: unknown[] | undefined, over: Record<string, unknown> = {}) => JSON.stringify({
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 } },
  pools: { web: { servers: ['s1'], healthCheck: health }, api: { servers: ['s1'], healthCheck: health } },
  routes: [{ path: '/', pool: 'web' }, { path: '/api', pool: 'api', rateLimit: { perSecond: 10, burst: 5 } }],
  ...(accepted ? { acceptedGaps: accepted } : {}),
  ...over,
}, null, 1);

const run = (text: string, targets: TargetName[] = ['nginx', 'haproxy']) => analyse(text, { file: 't.yaml', targets }).diagnostics;
const line = (d: LocatedDiagnostic) => `${d.severity}${d.accepted ? ' accepted' : ''} ${d.target ?? '-'} ${d.path}`;

test('without acceptedGaps every gap is a warning, and --strict makes each an error', () => {
  const list = run(topology(undefined));
  assert.deepEqual(list.map(line), ['warning nginx pools.web.healthCheck', 'warning nginx pools.api.healthCheck', 'warning haproxy routes[1].rateLimit']);
  assert.ok(strictly(list, true).every((d) => d.severity === 'error'));
});

test('an entry accepts the warnings of its target at its path (* is one name or index); --strict leaves them warnings', () => {
  const list = run(topology([{ target: 'nginx', path: 'pools.*.healthCheck', reason: 'passive checks do' }]));
  assert.deepEqual(list.map(line), ['warning accepted nginx pools.web.healthCheck', 'warning accepted nginx pools.api.healthCheck', 'warning haproxy routes[1].rateLimit']);
  const strict = strictly(list, true);
  assert.deepEqual(strict.map((d) => d.severity), ['warning', 'warning', 'error'], 'the gap nobody accepted still fails --strict');
  assert.equal(summary(list), '0 errors, 3 warnings, 2 of them accepted (2 groups)');
  // The same path of another target is not accepted by it.
  const other = run(topology([{ target: 'haproxy', path: 'pools.*.healthCheck', reason: 'x' }, { target: 'haproxy', path: 'routes[*].rateLimit', reason: 'x' }]));
  assert.deepEqual(other.filter((d) => d.accepted).map((d) => d.path), ['routes[1].rateLimit']);
  assert.deepEqual(other.filter((d) => d.path.startsWith('acceptedGaps')).map((d) => `${d.path}: ${d.message}`), [
    'acceptedGaps[0].path: pools.*.healthCheck matches no warning of haproxy: remove the entry, or correct its path',
  ], 'an entry that matches nothing is a warning at the entry');
});

test('an entry without target accepts any target\'s warning at its path', () => {
  const list = run(topology([{ path: 'routes[1].rateLimit', reason: 'x' }, { path: 'pools.web.healthCheck', reason: 'x' }]));
  assert.deepEqual(list.filter((d) => !d.accepted).map((d) => d.path), ['pools.api.healthCheck']);
});

test('a stale entry is a warning at its line, with the path it was probably meant to be; --strict fails on it', () => {
  const text = topology([{ target: 'nginx', path: 'pools.web.healthChek', reason: 'typo' }]);
  const stale = run(text).find((d) => d.path === 'acceptedGaps[0].path')!;
  assert.equal(stale.severity, 'warning');
  assert.equal(stale.message, 'pools.web.healthChek matches no warning of nginx: remove the entry, or correct its path');
  assert.equal(stale.suggestion, 'did you mean "pools.web.healthCheck"?');
  assert.equal(stale.line, text.split('\n').findIndex((l) => l.includes('healthChek')) + 1);
  assert.equal(strictly([stale], true)[0]!.severity, 'error', 'a stale entry cannot accept itself');
});

test('an entry of a target not being checked is not stale (validate -t nginx of a file that also targets the ALB)', () => {
  const list = run(topology([{ target: 'cloudformation', path: 'routes[1].rateLimit', reason: 'WAF' }, { target: 'nginx', path: 'pools.*.healthCheck', reason: 'x' }]), ['nginx']);
  assert.deepEqual(list.map(line), ['warning accepted nginx pools.web.healthCheck', 'warning accepted nginx pools.api.healthCheck']);
});

test('errors are never accepted', () => {
  const text = topology([{ path: 'routes[0].pool', reason: 'no' }], { routes: [{ path: '/', pool: 'nope' }] });
  assert.throws(() => run(text), (e: unknown) => e instanceof LbgenError && e.diagnostics.some((d) => d.path === 'routes[0].pool' && d.severity === 'error' && !d.accepted));
});

test('the schema refuses an entry without a reason and a path lbgen never prints', () => {
  const refused = (entry: unknown) => {
    try {
      run(topology([entry]));
      return [];
    } catch (e) {
      return (e as LbgenError).diagnostics.map((d) => d.path);
    }
  };
  assert.deepEqual(refused({ path: 'pools.web.healthCheck' }), ['acceptedGaps[0]']);
  assert.deepEqual(refused({ path: 'pools..healthCheck', reason: 'x' }), ['acceptedGaps[0].path']);
  assert.deepEqual(refused({ path: 'tls', reason: 'x', target: 'alb' }), ['acceptedGaps[0].target']);
});

test('an entry of any target is stale only when every target was checked', () => {
  const text = topology([{ path: 'limits.maxConnections', reason: 'the ALB scales itself' }]);
  assert.deepEqual(run(text, ['nginx', 'haproxy']).filter((d) => d.path.startsWith('acceptedGaps')), []);
  assert.deepEqual(run(text, ['nginx', 'haproxy', 'cloudformation']).filter((d) => d.path.startsWith('acceptedGaps')).map((d) => d.message), [
    'limits.maxConnections matches no warning of any target: remove the entry, or correct its path',
  ]);
});
