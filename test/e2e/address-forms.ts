/**
 * Check 6b: allowFrom against the forms an address can take. Loopback cannot produce a 6to4 or an
 * IPv4-compatible client, so a harness (not a mutation) has each proxy take the client address
 * from a request header: HAProxy with `set-src`, nginx with its realip module. Every address used
 * embeds a loopback one; nothing but 127.0.0.1 is connected to.
 */
import assert from 'node:assert/strict';
import { request } from './client.js';
import type { ProxyName, Stack } from './stack.js';
import { ROUTES } from './topology.js';

const HEADER = 'x-lbgen-test-src';

function insert(config: string, pattern: RegExp, lines: string): string {
  const out = config.replace(pattern, (m) => `${m}${lines}`);
  if (out === config) throw new Error(`the address harness found no ${pattern} in the rendered configuration`);
  return out;
}

/** The harness for each proxy: the client address is the header's when the header is there. */
export const SOURCE_FROM_HEADER: Record<ProxyName, (config: string) => string> = {
  haproxy: (c) => insert(c, /^frontend \S+\n(?:\s+bind .*\n)+/m, `    http-request set-src req.hdr(${HEADER}) if { req.hdr(${HEADER}) -m found }\n`),
  nginx: (c) => insert(c, /^http \{\n/m, `    set_real_ip_from 127.0.0.0/8;\n    real_ip_header ${HEADER};\n`),
};

/**
 * The private route allows 127.0.0.1/32 and 127.0.0.2/32. An IPv4 client on a dual-stack socket
 * (::ffff:127.0.0.1) is that client; the 6to4 (2002:7f00:1::) and IPv4-compatible (::127.0.0.1)
 * addresses that embed it are other hosts, which nginx refuses and HAProxy matched as 127.0.0.1.
 */
export const FORMS: readonly (readonly [string, number])[] = [
  ['127.0.0.1', 200],
  ['::ffff:127.0.0.1', 200],
  ['::ffff:127.0.0.2', 200],
  ['127.0.0.3', 403],
  ['::ffff:127.0.0.3', 403],
  ['2002:7f00:1::', 403],
  ['2002:7f00:1:0:1::1', 403],
  ['::127.0.0.1', 403],
  ['::1', 403],
];

export async function allowFromAddressForms(s: Stack): Promise<void> {
  const got: string[] = [];
  for (const [src, want] of FORMS) {
    const r = await request({ port: s.ports.https, path: ROUTES.private, headers: { [HEADER]: src } });
    if (r.status !== want) got.push(`${src}: ${r.status}, expected ${want}`);
  }
  assert.deepEqual(got, [], `allowFrom ${ROUTES.private} by address form`);
}
