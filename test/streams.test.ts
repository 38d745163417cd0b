/**
 * streams (issue 16): the checks at their place, what each target makes of an L4 service, and the
 * NLB's file written only when there are streams. Behaviour on the real proxies: test/e2e-streams.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { LbgenError } from '../src/diagnostics.js';
import { analyse, generate } from '../src/pipeline.js';
import type { TargetName } from '../src/targets/target.js';
import { lbgen, tempDir } from './helpers/cli.js';

type Doc = Record<string, any>;

const base = (): Doc => ({
  version: 1,
  name: 'l4',
  servers: { a: { address: '10.0.0.1', port: 1883 }, b: { address: '10.0.0.2', port: 1883 }, w: { address: '10.0.0.3', port: 3000 } },
  pools: { broker: { servers: ['a', 'b'] }, web: { servers: ['w'] } },
  routes: [{ path: '/', pool: 'web' }],
  streams: { mqtt: { port: 1883, pool: 'broker' } },
});

/** Every error of a topology, as "pointer: message". */
function errors(doc: Doc, targets: TargetName[] = []): string[] {
  try {
    analyse(yaml.dump(doc), { file: 't.yaml', targets });
    return [];
  } catch (e) {
    if (!(e instanceof LbgenError)) throw e;
    return e.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`);
  }
}

const files = (doc: Doc, targets: TargetName[]) => new Map(generate(yaml.dump(doc), { file: 't.yaml', targets }).files.map((f) => [f.path, f.text]));

test('a valid stream passes; its defaults: tcp, 10m idle, no PROXY header, no limit', () => {
  assert.deepEqual(errors(base()), []);
  const s = analyse(yaml.dump(base()), { file: 't.yaml', targets: [] }).model.streams[0]!;
  assert.deepEqual([s.protocol, s.idleTimeout, s.proxyProtocol, s.connectionsPerClient, s.allowFrom], ['tcp', 600_000, false, null, null]);
});

test('cookie stickiness on a pool a stream uses is an error at the pool\'s sticky.by', () => {
  const doc = base();
  doc.pools.broker.sticky = { by: 'cookie' };
  assert.deepEqual(errors(doc), ['pools.broker.sticky.by: cookie stickiness cannot apply to stream "mqtt", which uses pool "broker": an L4 service carries no HTTP, so no cookie']);
});

test('port clashes with the HTTP, HTTPS, stats and metrics ports and other streams are errors at the stream\'s port', () => {
  const at = (edit: (d: Doc) => void) => {
    const doc = base();
    edit(doc);
    return errors(doc);
  };
  assert.deepEqual(at((d) => (d.streams.mqtt.port = 80)), ['streams.mqtt.port: port 80 is already used by listen.http']);
  assert.deepEqual(at((d) => Object.assign(d, { tls: { certificate: '/c.pem', key: '/k.pem' }, streams: { mqtt: { port: 443, pool: 'broker' } } })), ['streams.mqtt.port: port 443 is already used by listen.https']);
  assert.deepEqual(at((d) => (d.stats = { port: 1883, user: 'u', passwordEnv: 'P' })), ['streams.mqtt.port: port 1883 is already used by stats.port']);
  assert.deepEqual(at((d) => (d.monitoring = { metrics: { port: 1883 } })), ['streams.mqtt.port: port 1883 is already used by monitoring.metrics.port']);
  assert.deepEqual(at((d) => (d.streams.other = { port: 1883, pool: 'broker' })), ['streams.other.port: port 1883 is already used by streams.mqtt']);
  assert.deepEqual(at((d) => (d.streams.other = { port: 1883, protocol: 'udp', pool: 'web' })), ['streams.other.port: port 1883 is already used by streams.mqtt (a tcp and a udp stream may share a port only when they send to the same pool)']);
  assert.deepEqual(at((d) => (d.streams.other = { port: 1883, protocol: 'udp', pool: 'broker' })), [], 'a tcp and a udp stream of one pool share a port');
});

test('a stream\'s pool, protocol and PROXY header are checked at their place', () => {
  const doc = base();
  doc.streams = { a: { port: 1, pool: 'brokr' }, b: { port: 2, pool: 'broker', protocol: 'tls' }, c: { port: 3, pool: 'broker', protocol: 'udp', proxyProtocol: true } };
  assert.deepEqual(errors(doc), [
    'streams.a.pool: no pool named "brokr"',
    'streams.b.protocol: a tls stream terminates TLS with the tls block\'s certificate: add a tls block, or use protocol: tcp to pass TLS through to the servers',
    'streams.c.proxyProtocol: the PROXY protocol is sent at the start of a TCP connection: a udp stream has none (the NLB and nginx cannot send it over UDP here)',
  ]);
  // The duration's bounds are the schema's (x-duration): refused before the checks above run.
  const zero = base();
  zero.streams = { d: { port: 4, pool: 'broker', idleTimeout: 0 } };
  assert.deepEqual(errors(zero), ['streams.d.idleTimeout: must be more than 0']);
});

test('healthCheck.type: http needs a path; tcp takes no HTTP field', () => {
  const doc = base();
  doc.pools.broker.healthCheck = { interval: '5s' };
  doc.pools.web.healthCheck = { type: 'tcp', path: '/x', expectStatus: 204 };
  assert.deepEqual(errors(doc), [
    'pools.broker.healthCheck: missing required field "path": an HTTP check (type: http, the default) requests a path',
    'pools.web.healthCheck.path: "path" applies only to healthCheck.type: http (a tcp check only opens a connection)',
    'pools.web.healthCheck.expectStatus: "expectStatus" applies only to healthCheck.type: http (a tcp check only opens a connection)',
  ]);
});

test('a udp stream is an error for HAProxy alone, naming the stream', () => {
  const doc = base();
  doc.streams.dns = { port: 53, protocol: 'udp', pool: 'broker' };
  assert.deepEqual(errors(doc, ['nginx', 'cloudformation']), []);
  assert.deepEqual(errors(doc, ['haproxy']), ['streams.dns.protocol: stream "dns" is udp: HAProxy\'s open-source edition proxies no UDP; render it with -t nginx or -t cloudformation, or leave haproxy out of the targets']);
  const nginx = files(doc, ['nginx']).get('nginx.conf')!;
  assert.match(nginx, /^\s+listen 53 udp;$/m);
  assert.match(nginx, /^load_module \/usr\/lib\/nginx\/modules\/ngx_stream_module\.so;$/m);
});

test('HAProxy: a mode tcp listen per stream with its balance, stickiness, check, PROXY v2, allow-list and limit', () => {
  const doc = base();
  doc.pools.broker = { servers: ['a', 'b'], balance: 'least-connections', sticky: { by: 'source-ip', ttl: '1h' }, healthCheck: { type: 'tcp', port: 9999 } };
  doc.streams.mqtt = { port: 1883, pool: 'broker', idleTimeout: '1h', allowFrom: ['10.0.0.0/8'], proxyProtocol: true, connectionsPerClient: 20 };
  const cfg = files(doc, ['haproxy']).get('haproxy.cfg')!;
  const section = cfg.slice(cfg.indexOf('listen l4.stream.mqtt'));
  for (const line of ['balance source', 'hash-type consistent', 'stick on src', 'option tcp-check', 'timeout client 1h', 'timeout server 1h', 'tcp-request connection reject if { sc0_conn_cur gt 20 }', 'server a 10.0.0.1:1883 send-proxy-v2']) {
    assert.ok(section.includes(`    ${line}\n`), line);
  }
  assert.match(section, / port 9999 observe layer4/);
  assert.match(cfg, /^defaults\n    mode tcp\n/m, 'the streams have defaults of their own');
});

test('a pool only streams use gets no HTTP backend or upstream (HAProxy would check its servers twice); one a route also uses keeps both', () => {
  const doc = base();
  doc.servers.a.maxConnections = 50;
  doc.pools.broker.healthCheck = { type: 'tcp', interval: '3s' };
  const out = files(doc, ['nginx', 'haproxy']);
  const cfg = out.get('haproxy.cfg')!;
  const conf = out.get('nginx.conf')!;
  assert.doesNotMatch(cfg, /^backend l4_broker$/m);
  assert.equal(cfg.match(/^ *server a 10\.0\.0\.1:1883\b/gm)?.length, 1, 'one server line, one set of health checks: the listen section\'s');
  assert.match(cfg, /^listen l4\.stream\.mqtt$/m);
  assert.doesNotMatch(conf, /upstream l4_broker \{/);
  assert.match(conf, /upstream l4_broker\.stream \{/);
  // What the HTTP upstream said of the pool, the stream upstream says now.
  const warnings = analyse(yaml.dump(doc), { file: 't.yaml', targets: ['nginx', 'haproxy'] }).diagnostics.map((d) => `${d.target} ${d.path}: ${d.message}`);
  assert.ok(warnings.includes('nginx servers.a.maxConnections: nginx open source has no queue: over max_conns=50 a new connection to server "a" goes to another server of pool "broker", or is closed at once when none has room (stream upstream l4_broker.stream)'), warnings.join('\n'));
  assert.ok(warnings.includes('nginx pools.broker.healthCheck: nginx open source has no active health checks; rendered as passive max_fails=3 fail_timeout=30s'), warnings.join('\n'));
  // The same pool behind a route as well: its HTTP sections come back.
  doc.routes.push({ path: '/mq', pool: 'broker' });
  const both = files(doc, ['nginx', 'haproxy']);
  assert.match(both.get('haproxy.cfg')!, /^backend l4_broker$/m);
  assert.match(both.get('nginx.conf')!, /upstream l4_broker \{/);
  assert.match(both.get('nginx.conf')!, /upstream l4_broker\.stream \{/);
});

test('nginx.streamModule: builtin writes no load_module', () => {
  const doc = base();
  doc.nginx = { streamModule: 'builtin' };
  const conf = files(doc, ['nginx']).get('nginx.conf')!;
  assert.doesNotMatch(conf, /load_module/);
  assert.match(conf, /^stream \{$/m);
});

test('cloudformation-nlb.yaml is written only with streams; a stale one is drift, and render removes it', () => {
  const withStreams = base();
  const without = base();
  delete without.streams;
  assert.deepEqual([...files(withStreams, ['cloudformation']).keys()], ['cloudformation-alb.yaml', 'cloudformation-nlb.yaml']);
  assert.deepEqual([...files(without, ['cloudformation']).keys()], ['cloudformation-alb.yaml']);
  const dir = tempDir();
  const t = join(dir, 't.yaml');
  const out = join(dir, 'out');
  writeFileSync(t, yaml.dump(withStreams));
  assert.equal(lbgen(['render', t, '-t', 'cloudformation', '-o', out]).code, 0);
  assert.ok(existsSync(join(out, 'cloudformation-nlb.yaml')));
  const printed = lbgen(['render', t, '-t', 'cloudformation', '--stdout']);
  assert.equal(printed.stdout, readFileSync(join(out, 'cloudformation-alb.yaml'), 'utf8'), '--stdout prints the ALB template alone');
  assert.match(printed.stderr, /not printed: cloudformation-nlb\.yaml/);
  writeFileSync(t, yaml.dump(without));
  const check = lbgen(['check', t, '-t', 'cloudformation', '-o', out]);
  assert.equal(check.code, 1);
  assert.match(check.stderr, /extra: \S+cloudformation-nlb\.yaml \(render would no longer write it\)/);
  assert.equal(lbgen(['render', t, '-t', 'cloudformation', '-o', out]).code, 0);
  assert.ok(!existsSync(join(out, 'cloudformation-nlb.yaml')), 'render removed the stale NLB template');
});

test('the NLB: a TCP_UDP listener for a tcp and a udp stream of one port, source_ip stickiness, PROXY v2, the allow-list in the security group', () => {
  const doc = base();
  doc.pools.broker.sticky = { by: 'source-ip' };
  doc.pools.broker.healthCheck = { type: 'tcp', port: 8081 };
  doc.streams = { dns: { port: 53, protocol: 'udp', pool: 'broker' }, 'dns-tcp': { port: 53, pool: 'broker' }, mqtt: { port: 1883, pool: 'broker', proxyProtocol: true, allowFrom: ['10.0.0.0/8', '2001:db8::/32'] } };
  const nlb = files(doc, ['cloudformation']).get('cloudformation-nlb.yaml')!;
  assert.match(nlb, /Port: 53\n      Protocol: TCP_UDP\n/);
  assert.equal((nlb.match(/Type: AWS::ElasticLoadBalancingV2::Listener/g) ?? []).length, 2);
  assert.match(nlb, /Key: stickiness.type\n {10}Value: "source_ip"/);
  assert.match(nlb, /Key: proxy_protocol_v2.enabled\n {10}Value: "true"/);
  assert.match(nlb, /IpProtocol: tcp\n {10}FromPort: 1883\n {10}ToPort: 1883\n {10}CidrIp: "10.0.0.0\/8"/);
  assert.match(nlb, /IpProtocol: udp\n {10}FromPort: 53\n/);
  assert.match(nlb, /HealthCheckProtocol: TCP\n      HealthCheckPort: "8081"/);
});
