/** Assertions shared by the checks: security headers, backend answers. */
import assert from 'node:assert/strict';
import type { Model } from '../../src/model/model.js';
import { type Reply, echoOf } from './client.js';

/** Every security header of the topology, with its exact value, on an HTTPS answer. */
export function assertSecurityHeaders(r: Reply, model: Model, what: string): void {
  assert.ok(model.securityHeaders.length > 0, 'the e2e topology sets security headers');
  for (const h of model.securityHeaders) {
    assert.equal(r.headers[h.name.toLowerCase()], h.value, `${h.name} on ${what} (status ${r.status})`);
  }
}

/** RFC 6797: never Strict-Transport-Security over plain HTTP. */
export function assertNoHsts(r: Reply, what: string): void {
  assert.equal(r.headers['strict-transport-security'], undefined, `no HSTS over plain HTTP on ${what}`);
}

/** The id of the backend that answered, asserting the answer is a backend's 200. */
export function idOf(r: Reply, what: string): string {
  assert.equal(r.status, 200, `${what}: ${r.status} ${r.body.slice(0, 200)}`);
  return echoOf(r).id;
}
