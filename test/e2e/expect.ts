/** Assertions shared by the checks: security headers, backend answers. */
import assert from 'node:assert/strict';
import type { Model } from '../../src/model/model.js';
import { type Reply, echoOf } from './client.js';

/**
 * The headers the e2e topology's securityHeaders ask for, written out here rather than read from
 * lbgen's model, so that a wrong value in the model is caught too.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Every security header of the topology, with its exact value, on an HTTPS answer. */
export function assertSecurityHeaders(r: Reply, _model: Model, what: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    assert.equal(r.headers[name], value, `${name} on ${what} (status ${r.status})`);
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
