/**
 * The key nginx counts a client by in limit_req and limit_conn: an IPv4 client's address, an IPv6
 * client's network of limits.ipv6PrefixLength bits (changing the low bits of its own /64 must not
 * give a client a fresh limit). nginx has no mask operation, so a `map` reads the network from the
 * text of $remote_addr: nginx prints an IPv6 address in RFC 5952 form (lower case, no leading zeros,
 * the longest run of two or more zero groups as "::"), and one regex per place of the "::" writes
 * the first groups back with every zero group as "0". Every address of a network so gives the same
 * text and two networks never do. test/clientkey.test.ts checks this over many addresses.
 */

export const CLIENT_KEY_VARIABLE = '$lbgen_client';

/** The map's lines (`"regex" value;` without the semicolon), or null when no map is needed (128: per address). */
export function clientKeyMap(prefixLength: number): { source: string; entries: { match: string; value: string }[] } | null {
  if (prefixLength >= 128) return null;
  if (prefixLength % 4 !== 0 || prefixLength < 16) throw new Error(`unsupported IPv6 prefix length ${prefixLength}`);
  const full = Math.floor(prefixLength / 16);
  // Hex digits kept of the group the prefix ends in (0: it ends on a group boundary).
  const partial = (prefixLength % 16) / 4;
  const groups = full + (partial ? 1 : 0);
  const entries = [
    // IPv4, and an IPv6 form that embeds one (::ffff:a.b.c.d): the whole address.
    { match: '"~[.]"', value: '$remote_addr' },
    explicitPrefix(full, partial),
  ];
  // The "::" after `before` groups, standing for `8 - before - after` zero groups, with `after` groups following it.
  for (let before = 0; before < groups; before++) {
    // While every group after the "::" lies beyond the prefix, one line serves all their counts.
    const quiet = Math.min(8 - groups, 7 - before);
    entries.push(compressed(before, quiet, full, partial, true));
    for (let after = quiet + 1; before + after <= 7; after++) entries.push(compressed(before, after, full, partial));
  }
  entries.push({ match: 'default', value: '$remote_addr' });
  return { source: '$remote_addr', entries };
}

const HEX = '[0-9a-f]{1,4}';
const group = (position: number) => `(?<lbgen_g${position}>${HEX})`;
const groupValue = (position: number) => `$lbgen_g${position}`;

/** The group the prefix ends in: its first `keep` hex digits of four, read from the text (which drops leading zeros). */
function partialGroup(keep: number): string {
  const drop = 4 - keep;
  return `(?:(?<lbgen_p>[0-9a-f]{1,${keep}})(?=[0-9a-f]{${drop}}(?::|$)))?[0-9a-f]{1,${drop}}`;
}

/** Every group of the prefix written out before any "::". */
function explicitPrefix(full: number, partial: number): { match: string; value: string } {
  const positions = Array.from({ length: full }, (_, i) => i + 1);
  const match = `^${positions.map((p) => `${group(p)}:`).join('')}${partial ? `${partialGroup(partial)}(?::|$)` : ''}`;
  const value = [...positions.map(groupValue), ...(partial ? ['$lbgen_p'] : [])].join(':');
  return { match: `"~${match}"`, value: `"${value}"` };
}

/** `upTo`: any number of groups from none to `after` follow the "::" (all beyond the prefix). */
function compressed(before: number, after: number, full: number, partial: number, upTo = false): { match: string; value: string } {
  if (upTo) {
    const lead = Array.from({ length: before }, (_, i) => group(i + 1)).join(':');
    const rest = after === 0 ? '' : `(?:${HEX}${after > 1 ? `(?::${HEX}){0,${after - 1}}` : ''})?`;
    const value = Array.from({ length: full + (partial ? 1 : 0) }, (_, i) => (i < before ? groupValue(i + 1) : i < full ? '0' : '')).join(':');
    return { match: `"~^${lead}::${rest}$"`, value: `"${value}"` };
  }
  const zeros = 8 - before - after;
  const lead = Array.from({ length: before }, (_, i) => group(i + 1));
  const tail = Array.from({ length: after }, (_, i) => {
    const position = before + zeros + i + 1;
    return position <= full ? group(position) : position === full + 1 && partial ? partialGroup(partial) : HEX;
  });
  const match = `^${lead.join(':')}::${tail.join(':')}$`;
  const value = Array.from({ length: full + (partial ? 1 : 0) }, (_, i) => {
    const position = i + 1;
    const explicit = position <= before || position > before + zeros;
    if (position > full) return explicit ? '$lbgen_p' : '';
    return explicit ? groupValue(position) : '0';
  }).join(':');
  return { match: `"~${match}"`, value: `"${value}"` };
}
