/**
 * DOT to SVG in-process with Graphviz compiled to WebAssembly (@viz-js/viz): no system package.
 * Loaded here, on the first `graph --format svg`, never at start-up: the package is 1.2 MB of
 * JavaScript and WebAssembly that every other command would otherwise parse. scripts/build.mjs
 * keeps it out of the bundle (external), so the bundle's size and code cache stay as they were.
 */
import { createRequire } from 'node:module';

type VizModule = typeof import('@viz-js/viz');

export async function dotToSvg(dot: string): Promise<string> {
  const viz = createRequire(import.meta.url)('@viz-js/viz') as VizModule;
  const result = (await viz.instance()).render(dot, { format: 'svg' });
  // The DOT is lbgen's own: Graphviz refusing it is a bug, reported as one (exit 70).
  if (result.status !== 'success') throw new Error(`Graphviz could not lay out the graph: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.output;
}
