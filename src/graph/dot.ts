/**
 * The graph in Graphviz's DOT language (lbgen graph --format dot, and the input of --format svg):
 * left to right, a site as a cluster, every label an HTML-like label whose text goes through
 * dotHtml (src/render/escape.ts), ids the graph's own (never user strings).
 */
import { dotHtml } from '../render/escape.js';
import type { Edge, GraphNode, NodeKind, TopologyGraph } from './graph.js';
import { SYMBOL, markLine, worst } from './marks.js';

// Helvetica: a family Graphviz has text metrics for, so boxes fit their text; SVG viewers fall back to Arial or another sans-serif.
const FONT = 'Helvetica';

/** Fill per kind of node: one colour per column of the picture. */
const FILL: Record<NodeKind, string> = {
  balancer: '#fef9c3', listener: '#dbeafe', site: '#ede9fe', route: '#ffffff', pool: '#dcfce7', server: '#f1f5f9',
};
/** Text and border colour of a mark's outcome (amber, red): a node's border takes its worst one. */
const OUTCOME_COLOR = { approximated: '#b45309', unsupported: '#b91c1c' } as const;

const BR = '<BR ALIGN="LEFT"/>';

function label(n: GraphNode): string {
  const lines = [`<B>${dotHtml(n.title)}</B>`, ...n.details.map(dotHtml), ...n.marks.map((k) => `<FONT COLOR="${OUTCOME_COLOR[k.outcome]}">${dotHtml(markLine(k))}</FONT>`)];
  return `<${lines.join(BR)}${BR}>`;
}

function nodeLine(n: GraphNode, indent: string): string {
  const attrs = [`label=${label(n)}`, `fillcolor="${FILL[n.kind]}"`];
  const bad = worst(n.marks);
  if (bad) attrs.push(`color="${OUTCOME_COLOR[bad]}"`, 'penwidth=2');
  if (n.idle) attrs.push('style="rounded,filled,dashed"', 'fontcolor="#64748b"');
  return `${indent}${n.id} [${attrs.join(', ')}]`;
}

function edgeLine(e: Edge): string {
  const attrs = [e.label === null ? null : `label=<${dotHtml(e.label)}>`, e.dashed ? 'style=dashed' : null].filter((a) => a !== null);
  return `  ${e.from} -> ${e.to}${attrs.length ? ` [${attrs.join(', ')}]` : ''}`;
}

/** The picture's caption: the topology's name and how to read the marks. */
function caption(g: TopologyGraph): string {
  const legend = `${SYMBOL.approximated} approximated, ${SYMBOL.unsupported} unsupported by that target (lbgen explain says how); targets: ${g.targets.join(', ')}`;
  return `<<B>${dotHtml(g.name)}</B>${BR}${dotHtml(legend)}${BR}>`;
}

export function toDot(g: TopologyGraph): string {
  const inCluster = new Set(g.clusters.flatMap((c) => c.nodes));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const lines = [
    'digraph lbgen {',
    `  graph [rankdir=LR, concentrate=true, fontname="${FONT}", fontsize=12, labelloc=t, labeljust=l, nodesep=0.12, ranksep=0.5, label=${caption(g)}]`,
    `  node [shape=box, style="rounded,filled", fontname="${FONT}", fontsize=11, margin="0.1,0.04", color="#475569", penwidth=1]`,
    `  edge [fontname="${FONT}", fontsize=9, color="#64748b", arrowsize=0.6]`,
    ...g.nodes.filter((n) => !inCluster.has(n.id)).map((n) => nodeLine(n, '  ')),
  ];
  for (const c of g.clusters) {
    lines.push(
      `  subgraph ${c.id} {`,
      `    graph [label=<<B>${dotHtml(c.title)}</B>>, style="rounded,dashed", color="#7c3aed", fontcolor="#5b21b6"]`,
      ...c.nodes.map((id) => byId.get(id)).filter((n) => n !== undefined).map((n) => nodeLine(n, '    ')),
      '  }',
    );
  }
  lines.push(...g.edges.map(edgeLine), '}', '');
  return lines.join('\n');
}
