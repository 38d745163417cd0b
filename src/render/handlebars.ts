import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import { LbgenError, type LocatedDiagnostic, didYouMean } from '../diagnostics.js';
import { templatesDir } from '../paths.js';
import { precompiled } from '../precompiled.js';
import { BUILT_IN, OPTIONS, inlinePartials, prepare } from './environment.js';

type HandlebarsApi = typeof import('handlebars');

/** The full Handlebars compiler, loaded only when templates are compiled at run time (tests, --templates). */
let compiler: HandlebarsApi | undefined;
const handlebars = (): HandlebarsApi => (compiler ??= createRequire(import.meta.url)('handlebars') as HandlebarsApi);

type Template = (view: unknown) => string;

/**
 * One isolated Handlebars environment per target and template folders (see environment.ts for
 * the options and the #each). Partials are templates/<target>/partials/*.hbs, named by file name.
 */
type Environment = { env: HandlebarsApi; sources: Map<string, string> };
const environments = new Map<string, Environment>();
const compiled = new Map<string, Template>();

function environment(target: string, dirs: readonly string[]): Environment {
  const key = `${target}\u0000${dirs.join('\u0000')}`;
  let found = environments.get(key);
  if (found) return found;
  const env = prepare(handlebars().create());
  const sources = new Map<string, string>();
  const files = new Map<string, string>();
  for (const dir of dirs) {
    const partials = join(dir, target, 'partials');
    if (!existsSync(partials)) continue;
    for (const f of readdirSync(partials).sort()) {
      if (!f.endsWith('.hbs')) continue;
      sources.set(basename(f, '.hbs'), readFileSync(join(partials, f), 'utf8'));
      files.set(basename(f, '.hbs'), join(partials, f));
    }
  }
  for (const [name, source] of sources) {
    if (dirs.length > 1) env.registerPartial(name, atFile(env.compile(source, OPTIONS) as Template, files.get(name)!));
    else env.registerPartial(name, env.compile(inlinePartials(source, sources, [name]), BUILT_IN));
  }
  environments.set(key, (found = { env, sources }));
  return found;
}

/**
 * Render templates/<target>/<template> with `view`. `overrides` is a user's --templates folder:
 * a file there (same relative name) replaces the built-in one; built-ins fill the rest.
 */
export function renderTemplate(target: string, template: string, view: unknown, overrides?: string): string {
  const ready = overrides ? undefined : precompiled?.templates[`${target}/${template}`];
  if (ready) return ready(view);
  const dirs = overrides ? [templatesDir, overrides] : [templatesDir];
  const key = `${dirs.join('\u0000')}\u0000${target}/${template}`;
  const own = overrides ? join(overrides, target, template) : undefined;
  const file = own && existsSync(own) ? own : join(templatesDir, target, template);
  try {
    let fn = compiled.get(key);
    if (!fn) {
      const { env, sources } = environment(target, dirs);
      const source = readFileSync(file, 'utf8');
      // The same inlining as the bundle's precompiled templates (scripts/build.mjs), so tests render what the CLI does.
      fn = (overrides ? env.compile(source, OPTIONS) : env.compile(inlinePartials(source, sources), BUILT_IN)) as Template;
      compiled.set(key, fn);
    }
    return fn(view);
  } catch (e) {
    throw templateError(e, file);
  }
}

/** The template file where an error arose, set by the innermost partial it passed through. */
const failedIn = new WeakMap<object, string>();

/**
 * A partial of a user's --templates, compiled (on first call) and run so that an error in it names
 * its own file: Handlebars' messages carry a line and column but no template name.
 */
function atFile(partial: Template, file: string): Template {
  return function located(this: unknown, ...args: unknown[]): string {
    try {
      return (partial as (...a: unknown[]) => string).apply(this, args);
    } catch (e) {
      if (e instanceof Error && !failedIn.has(e)) failedIn.set(e, file);
      throw e;
    }
  };
}

/**
 * Handlebars says where a template broke in its message: "Parse error on line 3:" when parsing,
 * "... - 3:4" for a strict-mode lookup. Turn that into the one diagnostic form, at the template.
 */
function templateError(e: unknown, template: string): unknown {
  if (!(e instanceof Error) || e instanceof LbgenError) return e;
  const file = failedIn.get(e) ?? template;
  if (e instanceof RangeError && /call stack/.test(e.message)) {
    return new LbgenError([{ severity: 'error', pointer: '', path: '(template)', file, line: 1, column: 1, message: 'template: partials call each other without end (the call stack ran out)' }]);
  }
  const parse = /Parse error on line (\d+):/.exec(e.message);
  const lookup = / - (\d+):(\d+)$/.exec(e.message);
  if (!parse && !lookup && !/not defined in|Missing helper|partial .* could not be found/i.test(e.message)) return e;
  const line = Number(parse?.[1] ?? lookup?.[1] ?? 1);
  const column = lookup ? Number(lookup[2]) + 1 : 1;
  const lines = e.message.split('\n');
  const message = (parse ? `${lines[0]!} ${lines[lines.length - 1]!}` : lines[0]!).replace(/ - \d+:\d+$/, '').replace(/ in \[object Object\]/, '');
  return new LbgenError([{ severity: 'error', pointer: '', path: '(template)', file, line, column, message: `template: ${message}` }]);
}

/**
 * Files and folders of a --templates folder that replace no built-in template: a misspelt name
 * (`ngnix/`, `upstreams.hbs`) would otherwise be ignored without a word.
 */
export function unusedTemplates(dir: string, rel = ''): LocatedDiagnostic[] {
  const builtIn = existsSync(join(templatesDir, rel)) ? readdirSync(join(templatesDir, rel)) : [];
  return readdirSync(join(dir, rel), { withFileTypes: true }).filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((e) => {
    const name = rel ? `${rel}/${e.name}` : e.name;
    if (builtIn.includes(e.name) && e.isDirectory() === statSync(join(templatesDir, name)).isDirectory()) return e.isDirectory() ? unusedTemplates(dir, name) : [];
    const close = didYouMean(e.name, builtIn);
    return [{
      severity: 'warning', file: join(dir, name), line: 1, column: 1, path: '(templates)', pointer: '',
      message: `replaces no built-in template, so it is not used (built-in here: ${builtIn.join(', ') || 'none'})`,
      ...(close ? { suggestion: `did you mean "${close}"?` } : {}),
    }];
  });
}
