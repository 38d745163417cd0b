/**
 * Topologies written in a test as objects (JSON is YAML): a small base, the fields a test changes
 * over it, and what the pipeline makes of the result.
 */
import assert from 'node:assert/strict';
import { LbgenError } from '../../src/diagnostics.js';
import { analyse, generate } from '../../src/pipeline.js';
import type { TargetName } from '../../src/targets/target.js';

export type Topology = Record<string, unknown>;

/** Two servers in one pool behind "/". */
export const TWO_SERVERS: Topology = {
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools: { web: { servers: ['s1', 's2'] } },
  routes: [{ path: '/', pool: 'web' }],
};

/** One server in one pool behind "/". */
export const ONE_SERVER: Topology = {
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 } },
  pools: { web: { servers: ['s1'] } },
  routes: [{ path: '/', pool: 'web' }],
};

export const TLS = { certificate: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem', bundle: '/etc/haproxy/b.pem' };

/** `base` with `t`'s top-level fields over it, as topology text. */
export const inline = (base: Topology, t: Topology = {}): string => JSON.stringify({ ...base, ...t });

/** The first file one target renders. */
export const renderOne = (text: string, target: TargetName): string => generate(text, { file: 't.yaml', targets: [target] }).files[0]!.text;

/** Every diagnostic of a refused topology, as `path: message` (errors only with `errorsOnly`); [] when it is accepted. */
export function refusals(text: string, targets: readonly TargetName[], errorsOnly = false): string[] {
  try {
    analyse(text, { file: 't.yaml', targets: [...targets] });
    return [];
  } catch (e) {
    if (!(e instanceof LbgenError)) throw e;
    return e.diagnostics.filter((d) => !errorsOnly || d.severity === 'error').map((d) => `${d.path}: ${d.message}`);
  }
}

/** The errors of a topology that must be refused. */
export function refusedWith(text: string, targets: readonly TargetName[]): string[] {
  const found = refusals(text, targets, true);
  assert.ok(found.length > 0, 'the topology was accepted');
  return found;
}
