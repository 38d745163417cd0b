/**
 * Each target's decisions that are not native (the ones render warns about and explain lists) put
 * on the node of the graph that stands for their place in the topology: the node owning the
 * longest prefix of the decision's JSON Pointer (a route's rate limit at /routes/1/rateLimit marks
 * the route /routes/1; /limits, owned by no other node, marks the balancer's own box at "").
 */
import type { TargetDecisions } from '../pipeline.js';
import type { Feature, TargetName } from '../targets/target.js';
import type { GraphNode, Mark } from './graph.js';

const OUTCOMES = ['approximated', 'unsupported'] as const;

export function markNodes(nodes: readonly Omit<GraphNode, 'marks'>[], decisions: readonly TargetDecisions[]): GraphNode[] {
  const owners = new Map<string, number[]>();
  nodes.forEach((n, i) => {
    for (const place of n.owns) (owners.get(place) ?? owners.set(place, []).get(place)!).push(i);
  });
  // Per node: target → outcome → features, in the order the targets were asked.
  const found = nodes.map(() => new Map<TargetName, Record<Mark['outcome'], Set<Feature>>>());
  for (const { target, decisions: list } of decisions) {
    for (const d of list) {
      if (d.outcome === 'native') continue;
      for (const i of ownersOf(d.pointer, owners)) {
        const byTarget = found[i]!;
        if (!byTarget.has(target)) byTarget.set(target, { approximated: new Set(), unsupported: new Set() });
        byTarget.get(target)![d.outcome].add(d.feature);
      }
    }
  }
  return nodes.map((n, i) => ({
    ...n,
    marks: [...found[i]!].flatMap(([target, by]) => OUTCOMES.filter((o) => by[o].size > 0).map((outcome) => ({ target, outcome, features: [...by[outcome]].sort() }))),
  }));
}

/** The nodes owning the longest prefix of `pointer`, walking up one segment at a time (a lookup per level, not a scan of every node). */
function ownersOf(pointer: string, owners: ReadonlyMap<string, number[]>): readonly number[] {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const hit = owners.get(p);
    if (hit) return hit;
    if (p === '') return [];
  }
}

/** The worst outcome among a node's marks, for its border: null when every target realises it as written. */
export function worst(marks: readonly Mark[]): Mark['outcome'] | null {
  return marks.some((k) => k.outcome === 'unsupported') ? 'unsupported' : marks.length ? 'approximated' : null;
}

/** A mark as one line of text: "≈ haproxy: rateLimit" (approximated), "✗ cloudformation: rateLimit" (unsupported). */
export const SYMBOL: Record<Mark['outcome'], string> = { approximated: '≈', unsupported: '✗' };
export const markLine = (k: Mark): string => `${SYMBOL[k.outcome]} ${k.target}: ${k.features.join(', ')}`;
