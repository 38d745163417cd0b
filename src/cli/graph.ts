/** `lbgen graph FILE`: the topology as a picture, on standard output or in one file (-o). */
import { basename, dirname } from 'node:path';
import { UsageError } from '../diagnostics.js';
import { readTopology } from '../input/read.js';
import { options } from './commands.js';
import { analyse } from '../pipeline.js';
import type { OutputOptions } from './report.js';
import { writeFiles } from '../output/write.js';
import { toDot } from '../graph/dot.js';
import { buildGraph, type TopologyGraph } from '../graph/graph.js';
import { toMermaid } from '../graph/mermaid.js';

export const GRAPH_FORMATS = ['mermaid', 'dot', 'svg', 'json'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

const PRINTERS: Record<GraphFormat, (g: TopologyGraph) => string | Promise<string>> = {
  mermaid: toMermaid,
  dot: toDot,
  // Imported only here, when asked: see svg.ts.
  svg: async (g) => (await import('../graph/svg.js')).dotToSvg(toDot(g)),
  // The graph's data as it is, for other tools; `owns` is how marks were placed, not part of the picture.
  json: (g) => `${JSON.stringify({ ...g, nodes: g.nodes.map(({ owns: _owns, ...n }) => n) }, null, 2)}\n`,
};

export async function graph(file: string, flags: { targets?: string[]; overlay?: string[]; out?: string; format: string }, out: OutputOptions): Promise<number> {
  const format = flags.format as GraphFormat;
  if (!GRAPH_FORMATS.includes(format)) throw new UsageError(`graph draws --format ${GRAPH_FORMATS.join(', ')} (default mermaid), not ${flags.format}`);
  const text = readTopology(file);
  // Warnings are not printed: the picture marks each one on its node, as explain lists them.
  const analysis = analyse(text, options(file, flags, out));
  const g = buildGraph(analysis);
  // Graphviz's layout grows faster than the graph: seconds at 300 pools, minutes at 1,000 (see docs/cli.md).
  out.progress?.tick(format === 'svg' ? `laying out ${g.nodes.length} nodes with Graphviz` : 'drawing');
  const picture = await PRINTERS[format](g);
  out.progress?.clear();
  if (flags.out === undefined) {
    process.stdout.write(picture);
    return 0;
  }
  await writeFiles(dirname(flags.out), (open) => open(basename(flags.out!)).end(picture));
  if (!out.quiet && out.format === 'text') process.stderr.write(`wrote ${flags.out}\n`);
  return 0;
}
