
/** Dotted quad, each 0-255, no leading zeros. Hand-parsed: it runs for every server of a topology, and node:net's isIPv4 costs a large regex compile at start-up. */
export function isIPv4(a: string): boolean {
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= a.length; i++) {
    const c = i < a.length ? a.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || ++parts > 4) return false;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) return false;
      value = value * 10 + (c - 48);
      if (++digits > 3) return false;
    } else return false;
  }
  return parts === 4;
}

/** Eight groups of 1-4 hex digits, or fewer around one '::' (the schema already excludes embedded IPv4). */
export function isIPv6(a: string): boolean {
  const halves = a.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  if (!groups.flat().every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  const count = groups.flat().length;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export type ParsedCidr = { address: string; prefix: number; family: 4 | 6 };

/** "10.0.0.0/8" or a bare address (a single host) → its parts, or a message saying what is wrong. */
export function parseCidr(text: string): ParsedCidr | string {
  const [address = '', prefixText] = text.split('/');
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  if (family === 0) return `"${address}" is not an IPv4 or IPv6 address`;
  const bits = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return `prefix length must be 0-${bits} for IPv${family} (got ${prefixText})`;
  const network = networkOf(address, family, prefix);
  if (network !== toBigInt(address, family)) {
    return `host bits are set: ${text} is not a network address (did you mean ${fromBigInt(network, family)}/${prefix}?)`;
  }
  return { address, prefix, family };
}

export function addressFamily(address: string): 'ipv4' | 'ipv6' | 'hostname' {
  return isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : 'hostname';
}

function toBigInt(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((n, octet) => (n << 8n) + BigInt(octet), 0n);
  const [head = '', tail] = address.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => BigInt(parseInt(h, 16))));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...Array<bigint>(8 - left.length - right.length).fill(0n), ...right];
  return groups.reduce((n, g) => (n << 16n) + g, 0n);
}

function networkOf(address: string, family: 4 | 6, prefix: number): bigint {
  const bits = BigInt(family === 4 ? 32 : 128);
  const hostBits = bits - BigInt(prefix);
  return (toBigInt(address, family) >> hostBits) << hostBits;
}

function fromBigInt(n: bigint, family: 4 | 6): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
