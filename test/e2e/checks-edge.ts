/**
 * Checks 14-18: what an edge proxy owes its backends and its clients whatever they send. Forwarding
 * headers a client made up, an upgrade to anything but WebSocket, application errors, the
 * application's own copy of a security header, large headers and bodies.
 */
import assert from 'node:assert/strict';
import { countIds, echoOf, request } from './client.js';
import { idOf } from './expect.js';
import type { Stack } from './stack.js';
import { BACKEND_IDS, ROUTES } from './topology.js';

const https = (s: Stack, path: string, headers: Record<string, string> = {}, more: { method?: string; body?: string } = {}) =>
  request({ port: s.ports.https, path, headers, ...more });

/** 14: X-Forwarded-For, X-Forwarded-Host and Forwarded sent by a client never reach a backend as sent. */
export async function spoofedForwardingDropped(s: Stack): Promise<void> {
  const e = echoOf(await https(s, ROUTES.rr, { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-host': 'evil.test', forwarded: 'for=6.6.6.6;host=evil.test' }));
  assert.equal(e.headers['x-forwarded-for'], '127.0.0.1', `X-Forwarded-For is the client's address alone: ${JSON.stringify(e.headers)}`);
  assert.equal(e.headers['x-forwarded-host'], undefined, 'no client-made X-Forwarded-Host');
  assert.equal(e.headers.forwarded, undefined, 'no client-made Forwarded');
}

/**
 * 15: on the WebSocket route an upgrade to h2c (which would open a tunnel past allowFrom, rate
 * limits and logs) reaches the backend as a plain request: no Upgrade, no 101.
 */
export async function onlyWebSocketUpgrades(s: Stack): Promise<void> {
  const r = await https(s, ROUTES.ws, { upgrade: 'h2c', connection: 'Upgrade, HTTP2-Settings', 'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA' });
  assert.equal(r.status, 200, `an h2c upgrade on ${ROUTES.ws} is answered as a plain request: ${r.status} ${r.body.slice(0, 200)}`);
  const e = echoOf(r);
  assert.equal(e.headers.upgrade, undefined, `the backend saw no Upgrade: ${JSON.stringify(e.headers)}`);
}

/**
 * 16: answers of 500 from every server (an application error a client can trigger at will) take no
 * server out: afterwards the round-robin route still reaches every backend. Passive ejection is for
 * servers that fail, not for pages that do.
 */
export async function applicationErrorsKeepServers(s: Stack): Promise<void> {
  // All at once: a server that 500s counted as failing would be marked down well within one health
  // check interval, before its checks could bring it back (a slow sequence hid that on a loaded machine).
  const errors = await Promise.all(Array.from({ length: 4 * BACKEND_IDS.length }, (_, i) => https(s, `${ROUTES.rr}?status=500&i=${i}`)));
  for (const r of errors) assert.equal(r.status, 500, `the application's 500 comes through: ${r.status}`);
  const ids: string[] = [];
  for (let i = 0; i < 2 * BACKEND_IDS.length; i++) ids.push(idOf(await https(s, `${ROUTES.rr}?after=${i}`), `${ROUTES.rr} after the 500s`));
  assert.deepEqual(Object.keys(countIds(ids)).sort(), [...BACKEND_IDS].sort(), `every backend still serves: ${ids.join(',')}`);
}

/** 17: the topology's security header replaces the application's own copy: one value, the topology's. */
export async function securityHeaderReplacesApplications(s: Stack): Promise<void> {
  const r = await https(s, `${ROUTES.rr}?frame=SAMEORIGIN`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-frame-options'], 'DENY', `one X-Frame-Options, the topology's: ${JSON.stringify(r.headers['x-frame-options'])}`);
}

/** 18: what HAProxy and the ALB let through, nginx too: a 6 KB response header, a 2 MB request body. */
export async function largeHeadersAndBodies(s: Stack): Promise<void> {
  const big = await https(s, `${ROUTES.rr}?cookie=6000`);
  assert.equal(big.status, 200, `a 6 KB Set-Cookie from the application: ${big.status}`);
  assert.equal(String(big.headers['set-cookie']).length > 6000, true);
  const post = await https(s, ROUTES.rr, { 'content-type': 'application/octet-stream' }, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) });
  assert.equal(post.status, 200, `a 2 MB request body: ${post.status}`);
}
