import type { Model, Pool } from '../../model/model.js';
import { yamlScalar } from '../../render/escape.js';
import { sha256Hex } from '../../digest.js';
import type { AttributeView } from './view.js';

/** AWS: at most 32 alphanumerics or hyphens, no hyphen first or last (CreateTargetGroup). */
export const TARGET_GROUP_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;
const NAME_MAX = 32;
const HASH_LENGTH = 8;

const hash = (text: string): string => sha256Hex(text).slice(0, HASH_LENGTH);

const legal = (text: string): string => text.replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+|-+$/g, '');

/**
 * What fits of the application's name and of the pool id (the app keeps at least half the room,
 * so both stay readable), then "-" and a hash of the whole wanted name: same input, same name.
 */
function shortened(app: string, pool: string, salt: number): string {
  const room = NAME_MAX - HASH_LENGTH - 1;
  const p = legal(pool);
  const a = legal(app.slice(0, Math.max(Math.floor(room / 2), room - p.length - 1)));
  const head = legal(`${a}-${p}`.slice(0, room));
  const wanted = `${app}-${pool}`;
  return `${head}-${hash(salt === 0 ? wanted : `${wanted}#${salt}`)}`;
}

/**
 * The Name tag that identifies a resource in the console and in cost reports whatever its
 * physical name: without aws.fixedNames CloudFormation makes that name up from the stack's.
 */
export const nameTag = (value: string): AttributeView[] => [{ key: 'Name', value: yamlScalar(value) }];

/** A pool's target group as people read it: its Name tag, and its physical name where AWS accepts it as it is. */
export const poolLabel = (model: Model, pool: Pool): string => `${model.name}-${pool.id}`;

/**
 * Fixed target group names (aws.fixedNames), pool id → name: `<app>-<pool>` when AWS accepts it as it is, else shortened
 * deterministically with a hash. AWS wants them unique per account and region; a shortened name
 * that meets another one (a hash collision, or a pool id that looks like a hash) is salted again.
 */
export function targetGroupNames(model: Model, pools: readonly Pool[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  const wanted = pools.map((p) => ({ id: p.id, want: poolLabel(model, p) }));
  for (const w of wanted) if (TARGET_GROUP_NAME.test(w.want)) taken.add(w.want);
  for (const w of wanted) {
    if (TARGET_GROUP_NAME.test(w.want)) {
      out.set(w.id, w.want);
      continue;
    }
    let salt = 0;
    while (taken.has(shortened(model.name, w.id, salt))) salt++;
    taken.add(shortened(model.name, w.id, salt));
    out.set(w.id, shortened(model.name, w.id, salt));
  }
  return out;
}

const pascal = (id: string): string =>
  id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((part) => part[0]!.toUpperCase() + part.slice(1)).join('');

/** The part of a site's logical ids (Certificate<X>, CertificateArn<X>) after the prefix, site id → X; ids that would meet get a counter. */
export function siteLogicalIds(sites: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const id of sites) {
    const base = pascal(id);
    let x = base;
    for (let n = 2; taken.has(x); n++) x = `${base}N${n}`;
    taken.add(x);
    out.set(id, x);
  }
  return out;
}

/** CloudFormation logical ids (alphanumeric only), pool id → id; ids that would meet get a counter. */
export function targetGroupLogicalIds(pools: readonly Pool[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>(['LoadBalancer', 'LoadBalancerSecurityGroup', 'HttpListener', 'HttpsListener']);
  for (const p of pools) {
    const base = `TargetGroup${pascal(p.id)}`;
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}N${n}`;
    taken.add(id);
    out.set(p.id, id);
  }
  return out;
}
