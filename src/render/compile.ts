/**
 * The built-in templates, compiled to plain JavaScript: a Handlebars template calls a helper, a
 * program wrapper and an options object per block per item, and on a 10,000-pool topology those
 * calls took most of the rendering time of a cold run. This compiler covers the part of
 * Handlebars the built-in templates use (text, `{{path}}`, #if, #unless, #each, #with, {{else}},
 * partials with or without a context, @root/@index/@key/@first/@last, `../`) with Handlebars'
 * semantics under lbgen's options (no HTML escaping, strict lookups of printed values); anything
 * else is refused at build time, naming the template line. Handlebars' own parser reads the
 * source, whitespace control included, and a test renders every built-in template both ways.
 * A user's --templates are compiled by Handlebars itself.
 */

type Loc = { readonly start: { readonly line: number; readonly column: number } };
type Path = { readonly type: 'PathExpression'; readonly data: boolean; readonly depth: number; readonly parts: readonly string[]; readonly original: string; readonly loc: Loc };
type Program = { readonly type: 'Program'; readonly body: readonly Statement[]; readonly blockParams?: readonly string[] };
type Statement = {
  readonly type: string;
  readonly loc: Loc;
  readonly value?: string;
  readonly path?: Path;
  readonly name?: Path;
  readonly params?: readonly { readonly type: string }[];
  readonly hash?: unknown;
  readonly program?: Program;
  readonly inverse?: Program;
  readonly indent?: string;
};

/** Handlebars.parse: source → AST, with standalone lines and `~` already applied to the text around tags. */
export type Parse = (source: string) => unknown;

/** Handlebars' helpers known by name: a `{{name}}` with one of these names is a helper call, not a lookup. */
const HELPERS = new Set(['helperMissing', 'blockHelperMissing', 'each', 'if', 'unless', 'with', 'log', 'lookup']);

/** The output is cut into pieces at least this long (see templateFunction). */
const CHUNK = 16 * 1024;

export class UnsupportedTemplate extends Error {}

/**
 * Whether a property of this name may be inherited by a view's values (plain objects, arrays,
 * strings, numbers, booleans; a function's own `name` and `length` are its own). Any other name is
 * found on the value itself or nowhere, so a plain read is exactly Handlebars' own-property lookup,
 * without the call.
 */
const PROTOTYPES = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype];
const mayBeInherited = (name: string): boolean => PROTOTYPES.some((p) => name in p);

/** The variables that hold, at one place of a template function, the contexts (innermost first), @root and the loop's data. */
type Scope = {
  readonly contexts: readonly string[];
  readonly root: string;
  readonly data?: { readonly index: string; readonly key: string; readonly first: string; readonly last: string };
};

/**
 * The template `name` (its partials already inlined where lbgen inlines them) → the body of a
 * function of `rt` (runtime.ts) that returns the template function `(view, sink?) => string`:
 * without a sink the whole output; with one, what is left after the pieces given to the sink.
 */
export function compileTemplate(name: string, source: string, partials: ReadonlyMap<string, string>, parse: Parse): string {
  const functions: string[] = [];
  const compiledPartials = new Map<string, string>();
  let counter = 0;

  const refuse = (where: { loc: Loc }, what: string): never => {
    throw new UnsupportedTemplate(`${name}:${where.loc.start.line}:${where.loc.start.column + 1}: ${what} is outside what lbgen compiles (src/render/compile.ts)`);
  };

  /** `strict`: the path is printed, so its last part must exist (Handlebars names the path's line and column). */
  const lookup = (p: Path, scope: Scope, strict = false): string => {
    let base: string;
    let parts = p.parts;
    if (p.data) {
      const [head, ...rest] = parts;
      if (p.depth > 0) refuse(p, `@../${p.original}`);
      if (head === 'root') base = scope.root;
      else if (scope.data && (head === 'index' || head === 'key' || head === 'first' || head === 'last') && rest.length === 0) base = scope.data[head];
      else return refuse(p, `@${parts.join('.')} here`);
      parts = head === 'root' ? rest : [];
    } else {
      if (p.depth >= scope.contexts.length) refuse(p, `"${p.original}" above the template's own context`);
      base = scope.contexts[p.depth]!;
    }
    return parts.reduce((expr, part, i) => {
      const key = JSON.stringify(part);
      const own = !mayBeInherited(part);
      const place = `${p.loc.start.line}, ${p.loc.start.column}`;
      // A plain read first; only a missing value goes through the strict check (which fails when the field is absent).
      if (strict && i === parts.length - 1) return own ? `((w = ${expr}) != null && (v = w[${key}]) !== undefined ? v : so(w, ${key}, ${place}))` : `st(${expr}, ${key}, ${place})`;
      return own ? `${expr}[${key}]` : `lk(${expr}, ${key})`;
    }, base);
  };

  const onlyPath = (s: Statement, what: string): Path => {
    if (s.hash || s.params?.length !== 1 || s.params[0]!.type !== 'PathExpression') refuse(s, `${what} without exactly one path argument`);
    return s.params![0] as Path;
  };

  const program = (p: Program | undefined, scope: Scope): string => {
    if (!p) return '';
    if (p.blockParams?.length) refuse(p.body[0] ?? { loc: { start: { line: 1, column: 0 } } }, 'block parameters');
    return p.body.map((s) => statement(s, scope)).join('');
  };

  const statement = (s: Statement, scope: Scope): string => {
    switch (s.type) {
      case 'ContentStatement':
        return s.value ? `o += ${JSON.stringify(s.value)};\n` : '';
      case 'CommentStatement':
        return '';
      case 'MustacheStatement': {
        const p = s.path!;
        if (p.type !== 'PathExpression' || s.params?.length || s.hash) refuse(s, 'a helper call');
        if (!p.data && p.depth === 0 && p.parts.length === 1 && HELPERS.has(p.parts[0]!)) refuse(s, `the helper {{${p.original}}}`);
        // Printed as Handlebars does with noEscape: nothing for null or undefined, else the value as a string.
        return `v = ${lookup(p, scope, true)};\nif (v != null) o += v;\n`;
      }
      case 'BlockStatement':
        return block(s, scope);
      case 'PartialStatement':
        return partial(s, scope);
      default:
        return refuse(s, s.type);
    }
  };

  const block = (s: Statement, scope: Scope): string => {
    const helper = s.path!.original;
    const n = ++counter;
    const value = lookup(onlyPath(s, `#${helper}`), scope);
    switch (helper) {
      case 'if':
      case 'unless': {
        // #if: absent when falsy or an empty list (0 included); #unless the other way round.
        const [yes, no] = helper === 'if' ? [s.program, s.inverse] : [s.inverse, s.program];
        return `const t${n} = ${value};\nif (!t${n} || empty(t${n})) {\n${program(no, scope)}} else {\n${program(yes, scope)}}\n`;
      }
      case 'with': {
        const inner: Scope = { ...scope, contexts: [`t${n}`, ...scope.contexts] };
        return `const t${n} = ${value};\nif (empty(t${n})) {\n${program(s.inverse, scope)}} else {\n${program(s.program, inner)}}\n`;
      }
      case 'each': {
        const data = { index: `i${n}`, key: `(x${n} ? x${n}.keys[i${n}] : i${n})`, first: `(i${n} === 0)`, last: `(i${n} === l${n}.length - 1)` };
        const inner: Scope = { root: scope.root, contexts: [`c${n}`, ...scope.contexts], data };
        // Holes are skipped; every CHUNK characters the output so far goes to flush (see templateFunction).
        return `const a${n} = ${value};
const x${n} = Array.isArray(a${n}) ? undefined : items(a${n});
const l${n} = x${n} ? x${n}.values : a${n};
let n${n} = 0;
for (let i${n} = 0; i${n} < l${n}.length; i${n}++) {
if (!(i${n} in l${n})) continue;
const c${n} = l${n}[i${n}];
n${n}++;
${program(s.program, inner)}if (o.length >= ${CHUNK}) { flush(o); o = ''; }
}
if (n${n} === 0) {
${program(s.inverse, scope)}}
`;
      }
      default:
        return refuse(s, `the block helper #${helper}`);
    }
  };

  const partial = (s: Statement, scope: Scope): string => {
    const partialName = s.name!;
    if (partialName.type !== 'PathExpression' || s.hash || (s.params?.length ?? 0) > 1) refuse(s, 'a partial call with a hash, a dynamic name or several arguments');
    const fn = partialFunction(partialName.original, s);
    const context = s.params?.length ? lookup(onlyPath(s, 'a partial'), scope) : scope.contexts[0]!;
    const call = `${fn}(${context}, ${scope.root})`;
    return `o += ${s.indent ? `indent(${call}, ${JSON.stringify(s.indent)})` : call};\n`;
  };

  /** A partial called with a context is its own function: a new root context, the caller's @root, no loop data. */
  const partialFunction = (partialName: string, at: Statement): string => {
    const known = compiledPartials.get(partialName);
    if (known) return known;
    const source = partials.get(partialName);
    if (source === undefined) refuse(at, `the missing partial "${partialName}"`);
    const fn = `p${compiledPartials.size}_${partialName.replace(/[^A-Za-z0-9_]/g, '_')}`;
    compiledPartials.set(partialName, fn);
    functions.push(templateFunction(fn, parse(source!) as Program, 'r'));
    return fn;
  };

  /**
   * A template function. Its output is cut into pieces of about CHUNK characters as it grows: kept
   * flat and joined at the end (a long list leaves no rope behind), or, for the template itself when
   * it is given a `sink`, handed to the sink at once (render writes each to its file, and the piece
   * dies young); it then returns only what follows the last piece.
   */
  const templateFunction = (fn: string, ast: Program, root: string): string => {
    const body = program(ast, { contexts: ['c0'], root });
    const streams = root === 'c0';
    return [
      `function ${fn}(c0, ${streams ? 'sink' : root}) {`,
      "let o = '';",
      'const parts = [];',
      'let v;',
      'let w;',
      // charCodeAt makes V8 flatten the rope in place: its cells become garbage now.
      `const flush = ${streams ? 'sink ?? ' : ''}((piece) => { piece.charCodeAt(0); parts.push(piece); });`,
      `${body}if (parts.length === 0) return o;`,
      'parts.push(o);',
      "return parts.join('');",
      '}',
      '',
    ].join('\n');
  };

  const main = templateFunction('template', parse(source) as Program, 'c0');
  return `'use strict';\nconst { lk, st, so, empty, items, indent } = rt;\n${functions.join('')}${main}return template;\n`;
}
