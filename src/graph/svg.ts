/**
 * DOT to SVG in-process with Graphviz compiled to WebAssembly (@viz-js/viz): no system package.
 * Loaded here, on the first `graph --format svg`, never at start-up: the package is 1.2 MB of
 * JavaScript and WebAssembly that every other command would otherwise parse. scripts/build.mjs
 * keeps it out of the bundle (external) and makes it a file of its own beside it (dist/viz.cjs),
 * so the bundle's size and code cache stay as they were and the package installs no dependency;
 * the unbundled build the tests import takes the package.
 */
import { createRequire } from 'node:module';
import { precompiled } from '../precompiled.js';

type VizModule = typeof import('@viz-js/viz');

export async function dotToSvg(dot: string): Promise<string> {
  const viz = createRequire(import.meta.url)(precompiled ? './viz.cjs' : '@viz-js/viz') as VizModule;
  const result = (await viz.instance()).render(dot, { format: 'svg' });
  // The DOT is lbgen's own: Graphviz refusing it is a bug, reported as one (exit 70).
  if (result.status !== 'success') throw new Error(`Graphviz could not lay out the graph: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.output;
}
