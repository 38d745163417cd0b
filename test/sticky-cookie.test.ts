/**
 * The balancer's stickiness cookie on both proxies: Secure exactly when every proxied request
 * arrived over HTTPS (TLS with the redirect), else a plain-HTTP client would never send it back
 * and would not stay on its server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generate } from '../src/pipeline.js';

const topology = (redirectToHttps: boolean) => JSON.stringify({
  version: 1,
  name: 'app',
  nginx: { version: '1.29.6' },
  servers: { s1: { address: '10.0.0.1', port: 3000 }, s2: { address: '10.0.0.2', port: 3000 } },
  pools: { web: { servers: ['s1', 's2'], sticky: { by: 'cookie', cookie: 'srv', ttl: '1h' } } },
  routes: [{ path: '/', pool: 'web' }],
  tls: { certificate: '/etc/ssl/c.pem', key: '/etc/ssl/k.pem' },
  listen: { redirectToHttps },
});

const cookieLines = (redirect: boolean) => {
  const files = generate(topology(redirect), { file: 't.yaml', targets: ['nginx', 'haproxy'] }).files;
  const text = (p: string) => files.find((f) => f.path === p)!.text;
  return {
    nginx: text('nginx.conf').split('\n').find((l) => l.includes('sticky cookie'))!,
    haproxy: text('haproxy.cfg').split('\n').find((l) => /^\s*cookie srv insert/.test(l))!,
  };
};

test('sticky cookie: Secure on both proxies with the HTTPS redirect, on neither without it', () => {
  const on = cookieLines(true);
  assert.match(on.nginx, /httponly secure;$/);
  assert.match(on.haproxy, /httponly secure /);
  const off = cookieLines(false);
  assert.doesNotMatch(off.nginx, /secure/);
  assert.doesNotMatch(off.haproxy, /secure/);
});
