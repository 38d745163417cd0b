/**
 * What the built-in templates compiled by compile.ts call at run time: Handlebars' own lookups in
 * strict mode, its emptiness test, and its indentation of a standalone partial, each kept to the
 * behaviour of handlebars/runtime (4.7) so that the output is the same byte for byte.
 */

/** Handlebars' lookupProperty: own properties only (an inherited one reads as undefined). */
export function lk(parent: unknown, name: string): unknown {
  const value = (parent as Record<string, unknown>)[name];
  if (value == null) return value;
  return Object.prototype.hasOwnProperty.call(parent, name) ? value : undefined;
}

/** Handlebars' strict-mode error, with the template line and column of the path. */
const notDefined = (name: string, parent: unknown, line: number, column: number): Error =>
  new Error(`"${name}" not defined in ${String(parent)} - ${line}:${column}`);

/** Handlebars' strict lookup of a printed value: a field missing from the view is a bug in lbgen, named with its template line. */
export function st(parent: unknown, name: string, line: number, column: number): unknown {
  if (!parent || !(name in (parent as object))) throw notDefined(name, parent, line, column);
  return lk(parent, name);
}

/** st for a name no built-in prototype has (see compile.ts): found on the value itself, or missing. */
export function so(parent: unknown, name: string, line: number, column: number): unknown {
  if (!parent) throw notDefined(name, parent, line, column);
  const value = (parent as Record<string, unknown>)[name];
  if (value === undefined && !(name in (parent as object))) throw notDefined(name, parent, line, column);
  return value;
}

/** Handlebars' isEmpty: what #with and #if treat as absent (#if also treats 0 so). */
export function empty(value: unknown): boolean {
  return (!value && value !== 0) || (Array.isArray(value) && value.length === 0);
}

/** #each over an object walks its own keys, as Handlebars' built-in does; anything else that is not an array has no items. */
export function items(value: unknown): { values: readonly unknown[]; keys?: readonly string[] } {
  if (Array.isArray(value)) return { values: value };
  if (value === null || typeof value !== 'object') return { values: [] };
  if (Symbol.iterator in value) throw new Error('#each over an iterable that is not an array: not in what lbgen compiles');
  const keys = Object.keys(value);
  return { values: keys.map((k) => (value as Record<string, unknown>)[k]), keys };
}

/** A standalone partial's output, each line indented as the partial tag was (the last empty line is not). */
export function indent(text: string, by: string): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i] && i + 1 === lines.length) break;
    lines[i] = by + lines[i];
  }
  return lines.join('\n');
}

export const runtime = { lk, st, so, empty, items, indent };
export type Runtime = typeof runtime;
