import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Parse, compileTemplate } from './compile.js';
import { inlinePartials } from './environment.js';

/**
 * templates/<target>/<file> compiled by compile.ts, with the built-in partials of that target
 * (templates/<target>/partials/*.hbs, named by file name) inlined where they stand alone on a line.
 * The same code for the bundle (scripts/build.mjs, at build time) and the unbundled build (tests).
 */
export function compileBuiltIn(templatesDir: string, target: string, file: string, parse: Parse): string {
  const dir = join(templatesDir, target, 'partials');
  const sources = new Map<string, string>();
  for (const f of existsSync(dir) ? readdirSync(dir).sort() : []) {
    if (f.endsWith('.hbs')) sources.set(basename(f, '.hbs'), readFileSync(join(dir, f), 'utf8'));
  }
  const partials = new Map([...sources].map(([name, source]) => [name, inlinePartials(source, sources, [name])]));
  const source = inlinePartials(readFileSync(join(templatesDir, target, file), 'utf8'), sources);
  return compileTemplate(`templates/${target}/${file}`, source, partials, parse);
}
