/**
 * Issue 13's hazards in the rendered text (their behaviour is in test/e2e-hazards.test.ts): retries
 * bounded alike on both proxies, nginx's retry window, limits.shutdownTimeout on both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from '../src/pipeline.js';

const topology = (pool: Record<string, unknown> = {}, over: Record<string, unknown> = {}) => JSON.stringify({
  version: 1,
  name: 'app',
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools: { web: { servers: ['s1', 's2'], ...pool } },
  routes: [{ path: '/', pool: 'web' }],
  ...over,
});

function render(text: string) {
  const r = generate(text, { file: 't.yaml', targets: ['nginx', 'haproxy'] });
  const file = (name: string) => r.files.find((f) => f.path === name)!.text;
  return { nginx: file('nginx.conf'), haproxy: file('haproxy.cfg'), warnings: r.diagnostics.map((d) => `${d.path}: ${d.message}`) };
}

test('retries: at most 4 servers per request on both proxies; a response timeout is not among the conditions', () => {
  const { nginx, haproxy } = render(topology());
  assert.match(nginx, /^ {4}proxy_next_upstream error timeout;$/m);
  assert.match(nginx, /^ {4}proxy_next_upstream_tries 4;$/m);
  assert.match(haproxy, /^ {4}retries 3$/m);
  assert.match(haproxy, /^ {4}retry-on conn-failure empty-response$/m);
});

test('nginx stops retrying once the lesser of timeouts.server and 4 x timeouts.connect has passed', () => {
  assert.match(render(topology({ timeouts: { connect: '2s', server: '60s' } })).nginx, /^ {12}proxy_next_upstream_timeout 8s;$/m);
  assert.match(render(topology({ timeouts: { connect: '5s', server: '15s' } })).nginx, /^ {12}proxy_next_upstream_timeout 15s;$/m);
  // A WebSocket route reads for timeouts.tunnel: the window is the connect part.
  const ws = render(JSON.stringify({ ...JSON.parse(topology()), routes: [{ path: '/', pool: 'web', websocket: true }] })).nginx;
  assert.match(ws, /^ {12}proxy_next_upstream_timeout 20s;$/m);
});

test('a server timeout no longer than the connect timeout: nginx warns that a timed-out connection is not retried', () => {
  const short = render(topology({ timeouts: { connect: '5s', server: '5s' } })).warnings;
  assert.ok(short.some((w) => w.startsWith('pools.web.timeouts.server: nginx cannot tell a connection timeout from a response timeout')), short.join('\n'));
  const usual = render(topology()).warnings;
  assert.ok(!usual.some((w) => w.includes('cannot tell a connection timeout')), usual.join('\n'));
});

test('limits.shutdownTimeout: worker_shutdown_timeout and hard-stop-after, 5m by default', () => {
  const byDefault = render(topology());
  assert.match(byDefault.nginx, /^worker_shutdown_timeout 5m;$/m);
  assert.match(byDefault.haproxy, /^ {4}hard-stop-after 5m$/m);
  const set = render(topology({}, { limits: { shutdownTimeout: '90s' } }));
  assert.match(set.nginx, /^worker_shutdown_timeout 90s;$/m);
  assert.match(set.haproxy, /^ {4}hard-stop-after 90s$/m);
});

test('request heads: the ALB\'s 16 KB line and header, 64 KB in all, on both proxies', () => {
  const { nginx, haproxy } = render(topology());
  assert.match(nginx, /^ {4}large_client_header_buffers 4 16k;$/m);
  assert.match(haproxy, /^ {4}tune\.bufsize 66560$/m);
  assert.match(haproxy, /^ {4}http-request return status 414 .* if \{ url,length gt 16369 \}$/m);
  assert.match(haproxy, /^ {4}http-request deny deny_status 400 if \{ req\.hdrs -m reg '\[\^\\r\\n\]\{16383\}' \}$/m);
});
