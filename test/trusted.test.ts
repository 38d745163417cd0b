/**
 * listen.trustedProxies, listen.proxyProtocol and limits.ipv6PrefixLength: refused where they make
 * no sense, said in explain by every target. The proxies' behaviour is proved on the real
 * proxies by test/e2e-trusted.test.ts; whole outputs are pinned by the trusted-proxies and
 * proxy-protocol cases.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse, generate } from '../src/pipeline.js';
import { ONE_SERVER, type Topology, inline, refusals } from './helpers/inline.js';

const BASE: Topology = { ...ONE_SERVER, routes: [{ path: '/', pool: 'web', rateLimit: { perSecond: 5 } }] };

const text = (t: Topology) => inline(BASE, t);
const problems = (t: Topology): string[] => refusals(text(t), ['nginx', 'haproxy', 'cloudformation']);

test('refused: a PROXY protocol without trusted proxies, a network with host bits, a prefix length out of range or off a nibble', () => {
  assert.deepEqual(problems({ listen: { proxyProtocol: true } }), ['listen.proxyProtocol: the PROXY protocol needs listen.trustedProxies: the networks of the balancers allowed to name the client']);
  assert.deepEqual(problems({ listen: { trustedProxies: ['10.0.0.1/8'] } }), ['listen.trustedProxies[0]: host bits are set: 10.0.0.1/8 is not a network address (did you mean 10.0.0.0/8?)']);
  assert.deepEqual(problems({ limits: { ipv6PrefixLength: 62 } }), ['limits.ipv6PrefixLength: must be a multiple of 4 (got 62)']);
  assert.deepEqual(problems({ limits: { ipv6PrefixLength: 16 } }), ['limits.ipv6PrefixLength: must be at least 32 (got 16)']);
  assert.deepEqual(problems({ limits: { ipv6PrefixLength: 132 } }), ['limits.ipv6PrefixLength: must be at most 128 (got 132)']);
  assert.deepEqual(problems({ listen: { trustedProxies: ['10.0.0.0/8'], proxyProtocol: true }, limits: { ipv6PrefixLength: 56 } }), []);
});

function notes(t: Topology, feature: string): Record<string, string> {
  const a = analyse(text(t), { file: 't.yaml', targets: ['nginx', 'haproxy', 'cloudformation'] });
  const out: Record<string, string> = {};
  for (const { target, decisions } of a.decisions) {
    const d = decisions.find((x) => x.feature === feature);
    if (d) out[target] = `${d.outcome}: ${d.note}`;
  }
  return out;
}

test('explain: the proxies find the client address behind trusted proxies; the ALB applies none of it, with a warning', () => {
  const n = notes({ listen: { trustedProxies: ['10.0.0.0/8'] } }, 'trustedProxies');
  assert.match(n.nginx!, /^native: realip module: .*real_ip_recursive on/);
  assert.match(n.haproxy!, /^native: http-request set-src hdr_ip\(x-forwarded-for,-N\).* at most 8 trusted hops/);
  assert.match(n.cloudformation!, /^unsupported: the ALB is the edge .*appends the connecting address to X-Forwarded-For.*see the TCP peer/);
  const p = notes({ listen: { trustedProxies: ['10.0.0.0/8'], proxyProtocol: true } }, 'proxyProtocol');
  assert.deepEqual(Object.keys(p), ['cloudformation']);
  assert.match(p.cloudformation!, /^unsupported: an ALB's listeners do not accept the PROXY protocol/);
});

test('explain and output: per-client limits per /64 by default, per address at 128; nothing without a per-client limit', () => {
  const d = notes({}, 'clientPrefix');
  assert.match(d.nginx!, /per \/64|its \/64 network/);
  assert.match(d.haproxy!, /src,ipmask\(32,64\)/);
  const at128 = { limits: { ipv6PrefixLength: 128 } };
  const [nginx, haproxy] = generate(text(at128), { file: 't.yaml', targets: ['nginx', 'haproxy'] }).files;
  assert.match(nginx!.text, /limit_req_zone \$binary_remote_addr /);
  assert.doesNotMatch(nginx!.text, /lbgen_client/);
  assert.match(haproxy!.text, /track-sc1 src table /);
  // A dualstack ALB (an IPv6 network in an allowFrom) with WAF rate rules: WAF counts each IPv6 address.
  const waf = notes({ aws: { waf: true }, routes: [{ path: '/', pool: 'web', rateLimit: { perSecond: 5 }, allowFrom: ['2001:db8::/32'] }] }, 'clientPrefix');
  assert.match(waf.cloudformation!, /^approximated: AWS WAF's rate rules count each client IP address: an IPv6 client is not counted per \/64/);
  assert.equal(notes({}, 'clientPrefix').cloudformation, undefined, 'no word of it without WAF or IPv6 clients');
  const unlimited = generate(JSON.stringify({ ...BASE, routes: [{ path: '/', pool: 'web' }] }), { file: 't.yaml', targets: ['nginx'] }).files[0]!;
  assert.doesNotMatch(unlimited.text, /lbgen_client/, 'no map without a per-client limit');
});

test('without trustedProxies nothing about the client address changes: no realip, no set-src, no accept-proxy', () => {
  const [nginx, haproxy] = generate(text({}), { file: 't.yaml', targets: ['nginx', 'haproxy'] }).files;
  assert.doesNotMatch(nginx!.text, /real_ip|proxy_protocol/);
  assert.doesNotMatch(haproxy!.text, /set-src|accept-proxy|trusted_peer/);
});
