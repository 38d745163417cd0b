import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { templatesDir } from '../paths.js';

type Template = (view: unknown) => string;

/**
 * One isolated Handlebars environment per target: HTML escaping off (it would corrupt `a=b&c`),
 * strict (a mistyped `{{field}}` throws), only the built-in block helpers (every decision stays in
 * TypeScript). Partials are templates/<target>/partials/*.hbs, named by file name.
 */
const environments = new Map<string, typeof Handlebars>();
const compiled = new Map<string, Template>();

const OPTIONS = { noEscape: true, strict: true, knownHelpersOnly: true } as const;

function environment(target: string, dirs: readonly string[]): typeof Handlebars {
  const key = `${target}\u0000${dirs.join('\u0000')}`;
  let env = environments.get(key);
  if (env) return env;
  env = Handlebars.create();
  for (const dir of dirs) {
    const partials = join(dir, target, 'partials');
    if (!existsSync(partials)) continue;
    for (const f of readdirSync(partials).sort()) {
      if (f.endsWith('.hbs')) env.registerPartial(basename(f, '.hbs'), env.compile(readFileSync(join(partials, f), 'utf8'), OPTIONS));
    }
  }
  environments.set(key, env);
  return env;
}

/**
 * Render templates/<target>/<template> with `view`. `overrides` is a user's --templates folder:
 * a file there (same relative name) replaces the built-in one; built-ins fill the rest.
 */
export function renderTemplate(target: string, template: string, view: unknown, overrides?: string): string {
  const dirs = overrides ? [templatesDir, overrides] : [templatesDir];
  const key = `${dirs.join('\u0000')}\u0000${target}/${template}`;
  let fn = compiled.get(key);
  if (!fn) {
    const env = environment(target, dirs);
    const own = overrides ? join(overrides, target, template) : undefined;
    const file = own && existsSync(own) ? own : join(templatesDir, target, template);
    fn = env.compile(readFileSync(file, 'utf8'), OPTIONS) as Template;
    compiled.set(key, fn);
  }
  return fn(view);
}
