import type { Cidr, Model, Pool, Route } from '../../model/model.js';
import { RenderError, haproxyArg } from '../../render/escape.js';

/**
 * Proxy names. The application's name has no '_' and pool ids have no '.', so `<name>_<pool>`
 * (the pool backends) can never equal `<name>.<something>` (the helper proxies and tables).
 */
export function backendName(model: Model, pool: Pool): string {
  // Written by the backend and by each route to it: made once per pool.
  let name = backendNames.get(pool);
  if (name === undefined) backendNames.set(pool, (name = `${frontendName(model)}_${plainWord(pool.id, 'pool id')}`));
  return name;
}
const backendNames = new WeakMap<Pool, string>();
/** Proxy names cannot be quoted (they reappear in ACLs, logs and the stats page): plain words only. */
export const frontendName = (model: Model): string => plainWord(model.name, 'name');
export const perClientTable = (model: Model): string => `${model.name}.perclient`;
export const rateTable = (model: Model, route: Route): string => `${model.name}.route${route.serial}.rate`;
export const statsName = (model: Model): string => `${model.name}.stats`;
export const metricsName = (model: Model): string => `${model.name}.metrics`;

/** `[a]:port` for IPv6 (brackets keep the port apart), `a:port` otherwise; the address escaped. */
export function hostPort(address: string, ipv6: boolean, port: number): string {
  return ipv6 ? `[${haproxyArg(address)}]:${port}` : `${haproxyArg(address)}:${port}`;
}

/** Where a listener binds: listen.address, or every IPv4 and IPv6 address through one dual-stack socket. */
export function binds(model: Model, port: number, suffix = ''): string[] {
  const a = model.listen.address;
  // The IPv6 wildcard takes IPv6 only, as nginx's `listen [::]:P` does (ipv6only=on); HAProxy would
  // otherwise follow the system's bindv6only and take IPv4 too.
  const v6any = a !== null && model.listen.addressFamily === 6 && /^[0:]+$/.test(a);
  // Every address: one socket per family, as nginx's `listen P` + `listen [::]:P`. A single v4v6
  // socket would show IPv4 clients as ::ffff:a.b.c.d in X-Forwarded-For and the logs.
  if (a === null) return [`0.0.0.0:${port}${suffix}`, `:::${port} v6only${suffix}`];
  return [`${hostPort(a, model.listen.addressFamily === 6, port)}${v6any ? ' v6only' : ''}${suffix}`];
}

/** HAProxy reads at most 64 words per line: long CIDR lists go on several `acl` lines, which OR together. */
export function cidrChunks(list: readonly Cidr[], size = 16): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size).map((c) => haproxyArg(c.text)).join(' '));
  return out;
}

/**
 * Where HAProxy finds an IPv4 address inside an IPv6 one when it matches an IPv6 client against an
 * IPv4 network: 6to4 (2002::/16) and IPv4-compatible (::/96) addresses. IPv4-mapped ones
 * (::ffff:0:0/96) are IPv4 clients on a dual-stack socket and must match; these two must not (a
 * client at 2002:a01:203::1 would pass `src 10.0.0.0/8`, where nginx refuses it).
 */
const EMBEDDED_IPV4 = '{ src 2002::/16 ::/96 }';

/** A list of networks as ACL lines, one family each: `<name>6 src ...` and `<name>4 src ...`. */
function familyAcls(list: readonly Cidr[], name: string): { v6: string[]; v4: string[] } {
  return {
    v6: cidrChunks(list.filter((c) => c.family === 6)).map((c) => `${name}6 src ${c}`),
    v4: cidrChunks(list.filter((c) => c.family === 4)).map((c) => `${name}4 src ${c}`),
  };
}

/**
 * An allow-list as ACL lines (`<name>6 src ...`, `<name>4 src ...`) and the condition that
 * refuses everyone else, `when` (a route's ACL, or '' for a whole frontend) being true:
 * allowed = an IPv6 network matches, or an IPv4 one does for a client that is not of those forms.
 */
export function allowList(list: readonly Cidr[], name: string, when: string): { acls: string[]; denyIf: string } {
  const { v6, v4 } = familyAcls(list, name);
  const prefix = [when, ...(v6.length ? [`!${name}6`] : [])].filter(Boolean).join(' ');
  const denyIf = v4.length ? `${prefix} !${name}4 || ${prefix} ${EMBEDDED_IPV4}`.trim() : prefix;
  return { acls: [...v6, ...v4], denyIf };
}

/**
 * A word placed inside a sample fetch's parentheses (`req.cook(NAME)`) or inside `${...}`: quoting
 * cannot make ',' or ')' inert there, so anything but these characters is refused (the schema's
 * patterns already exclude them; this is the second guard).
 */
export function plainWord(v: string, what: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(v)) throw new RenderError(`haproxy cannot take ${what} ${JSON.stringify(v)}`);
  return v;
}

/** What per-client limits count: an address, or for IPv6 a network of limits.ipv6PrefixLength bits. */
export function clientWord(model: Model): string {
  const bits = model.limits.ipv6PrefixLength;
  return bits === 128 ? 'client address' : `client address (an IPv6 client per /${bits})`;
}

/** The sample per-client limits track: src, with an IPv6 client's low bits masked off (IPv4 stays whole). */
export function clientKey(model: Model): string {
  const bits = model.limits.ipv6PrefixLength;
  return bits === 128 ? 'src' : `src,ipmask(32,${bits})`;
}

/**
 * listen.trustedProxies as ACLs (`trusted_peer6`, `trusted_peer4`; an IPv4 network never trusts an
 * IPv6 address that embeds it, as allowList) and `when(extra)`, the condition "the current src is a
 * trusted proxy" with `extra` also true.
 */
export function trustedPeers(list: readonly Cidr[]): { acls: string[]; when: (extra: string) => string } {
  const { v6, v4 } = familyAcls(list, 'trusted_peer');
  const embedded = v4.length ? ['trusted_embedded src 2002::/16 ::/96'] : [];
  const terms = [...(v6.length ? ['trusted_peer6'] : []), ...(v4.length ? ['trusted_peer4 !trusted_embedded'] : [])];
  return { acls: [...v6, ...v4, ...embedded], when: (extra) => terms.map((t) => `${extra ? `${extra} ` : ''}${t}`).join(' || ') };
}
