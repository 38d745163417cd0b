/**
 * The graph as a Mermaid flowchart (lbgen graph --format mermaid), which GitHub draws in a
 * Markdown file or a pull request comment (in a ```mermaid block). Ids are the graph's own; every
 * piece of label text goes through mermaidText (src/render/escape.ts); line breaks are `<br/>`,
 * written here between escaped pieces, never taken from the text.
 */
import { mermaidText } from '../render/escape.js';
import type { Edge, GraphNode, NodeKind, TopologyGraph } from './graph.js';
import { SYMBOL, markLine, worst } from './marks.js';

/** Fill per kind (as in dot.ts), then the border of the worst mark: defined after, so it wins over the kind's border. */
const CLASSES: readonly [string, string][] = [
  ['balancer', 'fill:#fef9c3,stroke:#475569,color:#0f172a'],
  ['listener', 'fill:#dbeafe,stroke:#475569,color:#0f172a'],
  ['site', 'fill:#ede9fe,stroke:#475569,color:#0f172a'],
  ['route', 'fill:#ffffff,stroke:#475569,color:#0f172a'],
  ['pool', 'fill:#dcfce7,stroke:#475569,color:#0f172a'],
  ['server', 'fill:#f1f5f9,stroke:#475569,color:#0f172a'],
  ['idle', 'color:#64748b,stroke-dasharray:4 3'],
  ['approximated', 'stroke:#b45309,stroke-width:3px'],
  ['unsupported', 'stroke:#b91c1c,stroke-width:3px'],
];

const label = (n: GraphNode): string =>
  `"${[n.title, ...n.details, ...n.marks.map(markLine)].map(mermaidText).join('<br/>')}"`;

function edgeLine(e: Edge): string {
  const arrow = e.dashed ? '-.->' : '-->';
  return `  ${e.from} ${arrow}${e.label === null ? '' : `|"${mermaidText(e.label)}"|`} ${e.to}`;
}

export function toMermaid(g: TopologyGraph): string {
  const inCluster = new Set(g.clusters.flatMap((c) => c.nodes));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  // The front matter's title is YAML: the name (schema: lower-case letters, digits, -) and fixed words, no ": " nor " #".
  const lines = [
    '---',
    `title: ${mermaidText(g.name)} - ${SYMBOL.approximated} approximated, ${SYMBOL.unsupported} unsupported by that target`,
    '---',
    'flowchart LR',
    ...g.nodes.filter((n) => !inCluster.has(n.id)).map((n) => `  ${n.id}[${label(n)}]`),
  ];
  for (const c of g.clusters) {
    lines.push(`  subgraph ${c.id}["${mermaidText(c.title)}"]`);
    for (const id of c.nodes) {
      const n = byId.get(id);
      if (n) lines.push(`    ${n.id}[${label(n)}]`);
    }
    lines.push('  end');
  }
  lines.push(...g.edges.map(edgeLine));
  const members = new Map<string, string[]>();
  const add = (cls: string, id: string) => (members.get(cls) ?? members.set(cls, []).get(cls)!).push(id);
  for (const n of g.nodes) {
    add(n.kind satisfies NodeKind, n.id);
    if (n.idle) add('idle', n.id);
    const bad = worst(n.marks);
    if (bad) add(bad, n.id);
  }
  for (const [cls, style] of CLASSES) {
    const ids = members.get(cls);
    if (ids) lines.push(`  classDef ${cls} ${style}`, `  class ${ids.join(',')} ${cls}`);
  }
  return `${lines.join('\n')}\n`;
}
