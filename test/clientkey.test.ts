/**
 * nginx's per-client key (src/targets/nginx/clientkey.ts) over many IPv6 addresses: printed as nginx
 * prints $remote_addr (ngx_inet6_ntop, copied below), run through the map's regexes in order as
 * nginx does (first match wins), two addresses must get the same key exactly when they share the
 * prefix. The real nginx runs the same map in test/e2e-trusted.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientKeyMap } from '../src/targets/nginx/clientkey.js';

/** nginx's ngx_inet6_ntop (src/core/ngx_inet.c): RFC 5952 text, with the IPv4 tail of ::ffff:0:0/96 and ::/96. */
export function nginxText(bytes: readonly number[]): string {
  let zero = -1;
  let last = -1;
  let max = 1;
  let n = 0;
  for (let i = 0; i < 16; i += 2) {
    if (bytes[i] || bytes[i + 1]) {
      if (max < n) [zero, max] = [last, n];
      n = 0;
      continue;
    }
    if (n++ === 0) last = i;
  }
  if (max < n) [zero, max] = [last, n];
  let out = '';
  let end = 16;
  if (zero === 0) {
    if ((max === 5 && bytes[10] === 0xff && bytes[11] === 0xff) || max === 6 || (max === 7 && bytes[14] !== 0 && bytes[15] !== 1)) end = 12;
    out += ':';
  }
  for (let i = 0; i < end; i += 2) {
    if (i === zero) {
      out += ':';
      i += (max - 1) * 2;
      continue;
    }
    out += (bytes[i]! * 256 + bytes[i + 1]!).toString(16);
    if (i < 14) out += ':';
  }
  if (end === 12) out += bytes.slice(12).join('.');
  return out;
}

function keyOf(map: NonNullable<ReturnType<typeof clientKeyMap>>, text: string): string {
  for (const { match, value } of map.entries) {
    if (match === 'default') return text;
    const m = new RegExp(match.slice(2, -1)).exec(text);
    if (!m) continue;
    if (value === '$remote_addr') return text;
    return value.slice(1, -1).replace(/\$(lbgen_[a-z0-9]+)/g, (_, name: string) => m.groups?.[name] ?? '');
  }
  throw new Error('no default');
}

/** Deterministic pseudo-random bytes (a test must not change from run to run). */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xff;
}

/** Addresses rich in zero groups, so that "::" falls everywhere, and pairs that differ only below or only above a prefix. */
function addresses(next: () => number, count: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < count; k++) {
    const a = Array.from({ length: 16 }, () => next());
    // Zero about half the groups (and sometimes a byte of one), in runs of any length.
    for (let g = 0; g < 8; g++) if (next() < 128) a[2 * g] = a[2 * g + 1] = 0;
    for (let g = 0; g < 8; g++) if (next() < 40) a[2 * g + (next() & 1)] = 0;
    out.push(a);
  }
  return out;
}

const prefixOf = (a: readonly number[], bits: number) => a.map((b, i) => (i * 8 >= bits ? 0 : i * 8 + 8 <= bits ? b : b & (0xff << (8 - (bits - i * 8))) & 0xff)).join(',');

test('the nginx client key: one value per IPv6 network of the prefix length, for every length 32-124', () => {
  const next = random(7);
  for (let bits = 32; bits < 128; bits += 4) {
    const map = clientKeyMap(bits)!;
    const base = addresses(next, 300);
    // Siblings: the same network with other low bits (and a run of zeros there), and the same low bits in another network.
    const siblings = base.flatMap((a) => {
      const low = a.map((b, i) => (i * 8 >= bits ? (next() < 128 ? 0 : next()) : b));
      const high = a.map((b, i) => (i * 8 + 8 <= bits && next() < 60 ? 0 : b));
      return [low, high];
    });
    const all = [...base, ...siblings];
    const keys = new Map<string, string>();
    const networks = new Map<string, string>();
    for (const a of all) {
      const text = nginxText(a);
      if (text.includes('.')) continue;
      const key = keyOf(map, text);
      const network = prefixOf(a, bits);
      const seen = keys.get(network);
      if (seen !== undefined) assert.equal(key, seen, `/${bits}: ${text} is in the network of key ${seen}`);
      else keys.set(network, key);
      const other = networks.get(key);
      if (other !== undefined) assert.equal(network, other, `/${bits}: ${text} shares key ${key} with another network`);
      else networks.set(key, network);
    }
    assert.ok(keys.size > 100, `/${bits}: ${keys.size} networks tried`);
  }
});

test('the nginx client key: fixed examples of /64 and /56', () => {
  const map64 = clientKeyMap(64)!;
  const cases: [string, string][] = [
    ['2001:db8::1', '2001:db8:0:0'],
    ['2001:db8::ffff:1:2:3', '2001:db8:0:0'],
    ['2001:db8:0:0:1::', '2001:db8:0:0'],
    ['2001:db8:0:1::1', '2001:db8:0:1'],
    ['::1', '0:0:0:0'],
    ['1::', '1:0:0:0'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4'],
    ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
  ];
  for (const [text, key] of cases) assert.equal(keyOf(map64, text), key, text);
  const map56 = clientKeyMap(56)!;
  assert.equal(keyOf(map56, '2001:db8:1:ab12::1'), '2001:db8:1:ab');
  assert.equal(keyOf(map56, '2001:db8:1:ab99:1:2:3:4'), '2001:db8:1:ab');
  assert.equal(keyOf(map56, '2001:db8:1:12::1'), '2001:db8:1:');
  assert.equal(keyOf(map56, '2001:db8:1::1'), '2001:db8:1:');
  assert.equal(clientKeyMap(128), null);
});
