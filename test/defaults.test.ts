/** The schema's `default` keywords document DEFAULTS: the two must never disagree. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS } from '../src/model/defaults.js';
import { topologySchema } from '../src/check/schema.js';

type Node = { properties?: Record<string, Node>; additionalProperties?: Node | boolean; $ref?: string; default?: unknown };

function at(schema: Node, path: string): Node {
  let node = schema;
  for (const seg of path.split('.')) {
    const next = seg === '*' ? node.additionalProperties : node.properties?.[seg];
    assert.ok(next && typeof next === 'object', `schema has ${path}`);
    node = next;
    if (node.$ref) {
      const [, , name] = node.$ref.split('/');
      node = { ...(schema as { $defs: Record<string, Node> }).$defs[name!]!, ...(node.default !== undefined ? { default: node.default } : {}) };
    }
  }
  return node;
}

const TABLE: [string, unknown][] = [
  ['domains', DEFAULTS.domains],
  ['strictHost', DEFAULTS.strictHost],
  ['listen.http', DEFAULTS.listen.http],
  ['listen.https', DEFAULTS.listen.https],
  ['listen.proxyProtocol', DEFAULTS.listen.proxyProtocol],
  ['tls.minVersion', DEFAULTS.tls.minVersion],
  ['tls.http2', DEFAULTS.tls.http2],
  ['securityHeaders.hsts.includeSubDomains', DEFAULTS.hsts.includeSubDomains],
  ['securityHeaders.hsts.preload', DEFAULTS.hsts.preload],
  ['servers.*.weight', DEFAULTS.server.weight],
  ['servers.*.backup', DEFAULTS.server.backup],
  ['pools.*.balance', DEFAULTS.pool.balance],
  ['pools.*.passive.maxFails', DEFAULTS.pool.passive.maxFails],
  ['pools.*.passive.failTimeout', DEFAULTS.pool.passive.failTimeout],
  ['pools.*.timeouts.connect', DEFAULTS.pool.timeouts.connect],
  ['pools.*.timeouts.server', DEFAULTS.pool.timeouts.server],
  ['pools.*.timeouts.tunnel', DEFAULTS.pool.timeouts.tunnel],
  ['pools.*.keepalive', DEFAULTS.pool.keepalive],
  ['pools.*.sticky.cookie', DEFAULTS.sticky.cookie],
  ['pools.*.sticky.ttl', DEFAULTS.sticky.ttl],
  ['pools.*.sticky.setBy', DEFAULTS.sticky.setBy],
  ['pools.*.sticky.value', DEFAULTS.sticky.value],
  ['pools.*.healthCheck.interval', DEFAULTS.healthCheck.interval],
  ['pools.*.healthCheck.rise', DEFAULTS.healthCheck.rise],
  ['pools.*.healthCheck.fall', DEFAULTS.healthCheck.fall],
  ['pools.*.healthCheck.expectStatus', DEFAULTS.healthCheck.expectStatus],
  ['limits.maxConnections', DEFAULTS.limits.maxConnections],
  ['limits.ipv6PrefixLength', DEFAULTS.limits.ipv6PrefixLength],
  ['limits.queueTimeout', DEFAULTS.limits.queueTimeout],
  ['limits.shutdownTimeout', DEFAULTS.limits.shutdownTimeout],
  ['stats.path', DEFAULTS.stats.path],
  ['stats.refresh', DEFAULTS.stats.refresh],
  ['stats.allowFrom', DEFAULTS.stats.allowFrom],
  ['monitoring.metrics.path', DEFAULTS.metrics.path],
  ['monitoring.metrics.allowFrom', DEFAULTS.metrics.allowFrom],
  ['monitoring.accessLog', DEFAULTS.monitoring.accessLog],
  ['aws.scheme', DEFAULTS.aws.scheme],
  ['aws.deregistrationDelay', DEFAULTS.aws.deregistrationDelay],
  ['aws.targetType', DEFAULTS.aws.targetType],
  ['aws.waf', DEFAULTS.aws.waf],
  ['aws.fixedNames', DEFAULTS.aws.fixedNames],
  ['aws.accessLogs.create', DEFAULTS.aws.accessLogsCreate],
  ['nginx.version', DEFAULTS.nginx.version],
  ['haproxy.version', DEFAULTS.haproxy.version],
  ['nginx.accessLog', DEFAULTS.nginx.accessLog],
  ['haproxy.user', DEFAULTS.haproxy.user],
  ['haproxy.group', DEFAULTS.haproxy.group],
  ['haproxy.chroot', DEFAULTS.haproxy.chroot],
  ['haproxy.adminSocket', DEFAULTS.haproxy.adminSocket],
];

test('every schema default equals DEFAULTS', () => {
  const schema = topologySchema() as Node;
  for (const [path, value] of TABLE) assert.deepEqual(at(schema, path).default, value, path);
});

test('every field of the schema has a description (editors show it on hover)', () => {
  const missing: string[] = [];
  const walk = (node: Node & { description?: string; items?: Node }, path: string) => {
    for (const [k, child] of Object.entries(node.properties ?? {})) {
      if (!(child as { description?: string }).description) missing.push(`${path}${k}`);
      walk(child as Node, `${path}${k}.`);
    }
    if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${path}*.`);
  };
  const schema = topologySchema() as Node & { $defs: Record<string, Node> };
  walk(schema, '');
  for (const [name, def] of Object.entries(schema.$defs)) walk(def, `$defs.${name}.`);
  assert.deepEqual(missing, []);
});
