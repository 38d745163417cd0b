/**
 * The Handlebars side of lbgen's templates: the compile options and #each of the environment that
 * compiles a user's --templates, and the inlining of the built-in partials that the built-in
 * templates get before compile.ts turns them into JavaScript (the semantics compile.ts copies are
 * these options').
 */
type Options = { data?: unknown; fn: (context: unknown, options?: object) => string; inverse: (context: unknown) => string; ids?: unknown };
type Helper = (this: unknown, context: unknown, options: Options) => string;
type Environment = { helpers: Record<string, unknown>; registerHelper(name: string, fn: Helper): void; createFrame(data: unknown): Record<string, unknown> };

/**
 * HTML escaping off (it would corrupt `a=b&c`), strict (a mistyped `{{field}}` throws), only the
 * built-in block helpers (every decision stays in TypeScript).
 */
export const OPTIONS = Object.freeze({ noEscape: true, strict: true, knownHelpersOnly: true } as const);

/** A flat piece of output at least this long ends a chunk (see prepare). */
const CHUNK = 16 * 1024;

/**
 * Handlebars' own #each appends each item's text to the block's result (`ret = ret + fn(item)`):
 * over 10,000 pools that is a rope of millions of string cells, all alive until the render ends,
 * which every young-generation collection copies (three times the bytes of the text itself).
 * This #each, for arrays (the only lists a view holds), flattens the text every CHUNK characters
 * and joins the flat chunks: the cells die young. Items, @index/@first/@last/@key, block params,
 * holes and {{else}} behave as in the built-in; anything else is left to the built-in.
 */
export function prepare<E extends Environment>(env: E): E {
  const builtIn = env.helpers.each as Helper;
  env.registerHelper('each', function each(this: unknown, context: unknown, options: Options): string {
    if (!Array.isArray(context) || options.ids) return builtIn.call(this, context, options);
    const data = options.data ? env.createFrame(options.data) : undefined;
    const chunks: string[] = [];
    let text = '';
    let done = 0;
    for (let i = 0; i < context.length; i++) {
      if (!(i in context)) continue;
      const item: unknown = context[i];
      if (data) {
        data.key = i;
        data.index = i;
        data.first = i === 0;
        data.last = i === context.length - 1;
      }
      text += options.fn(item, { data, blockParams: [item, i] });
      done++;
      if (text.length >= CHUNK) {
        // charCodeAt makes V8 flatten the rope in place: its cells become garbage now.
        text.charCodeAt(0);
        chunks.push(text);
        text = '';
      }
    }
    if (done === 0) return options.inverse(this);
    if (chunks.length === 0) return text;
    chunks.push(text);
    return chunks.join('');
  });
  return env;
}

/**
 * A standalone `{{> name}}` line (no argument, no indentation) renders the partial's text in the
 * caller's context, loop data and depth, so the same output comes from putting the partial's
 * source in its place before compiling: compile.ts then makes one loop of the caller's loop and
 * the partial (an upstream per pool, two locations per route), and the partial can read the
 * caller's loop (route.hbs reads `../index`). Only for the built-in templates: a user's
 * --templates are compiled as written, so their errors point at their own lines.
 */
export function inlinePartials(source: string, partials: ReadonlyMap<string, string>, seen: readonly string[] = []): string {
  return source.replace(/^\{\{>\s*([A-Za-z0-9_-]+)\s*\}\}[ \t]*\n/gm, (line, name: string) => {
    const body = partials.get(name);
    if (body === undefined || !body.endsWith('\n') || seen.includes(name)) return line;
    return inlinePartials(body, partials, [...seen, name]);
  });
}
