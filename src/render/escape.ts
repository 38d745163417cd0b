/**
 * The only escaping in the codebase: one function per output syntax, called by view builders,
 * never by templates. The schema is the first guard (patterns on every string that reaches a
 * config); these are the second, and they refuse what they cannot write inert.
 */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

/**
 * What one pass over a value finds: a control character (refused everywhere), a `$` (refused by
 * nginx), a `%`, and whether every character is one that needs no quotes. A char scan, not three
 * regexes: view builders call these for each of a large topology's 100,000 servers.
 */
const CONTROL = 1;
const DOLLAR = 2;
const PERCENT = 4;
const QUOTE = 8;

/** Characters written bare: A-Z a-z 0-9 _ - . : / , @ = + * % ? & ~ */
const BARE = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:/,@=+*%?&~') BARE[c.charCodeAt(0)] = 1;

function scan(v: string): number {
  let found = v === '' ? QUOTE : 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 128 && BARE[c] === 1) {
      if (c === 37) found |= PERCENT;
      continue;
    }
    found |= QUOTE;
    if (c <= 0x1f || c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029) found |= CONTROL;
    else if (c === 36) found |= DOLLAR;
  }
  return found;
}

/** nginx argument: bare when safe, else double-quoted with \ and " escaped. nginx expands `$` even in quotes, so `$` is refused. */
export function nginxArg(v: string): string {
  const found = scan(v);
  if (v === '' || found & CONTROL) throw new RenderError(`nginx cannot take ${JSON.stringify(v)}`);
  if (found & DOLLAR) throw new RenderError(`nginx cannot write "$" literally: ${JSON.stringify(v)}`);
  // nginx reads a leading ~ or = as a location modifier: such a value is quoted.
  return !(found & QUOTE) && !v.startsWith('~') && !v.startsWith('=') ? v : `"${v.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * A literal source value of an nginx `map`: nginx reads `default`, `include`, `hostnames` and
 * `volatile` as parameters and a leading `~` as a regex, and strips one leading `\` to take any
 * value literally: every key gets that `\`, then is quoted as any argument.
 */
export const nginxMapKey = (v: string): string => nginxArg(`\\${v}`);

/** HAProxy argument: bare when safe, else single-quoted (HAProxy interprets nothing inside; adjacent pieces concatenate). */
export function haproxyArg(v: string): string {
  const found = scan(v);
  if (v === '' || found & CONTROL) throw new RenderError(`haproxy cannot take ${JSON.stringify(v)}`);
  return !(found & (QUOTE | PERCENT)) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** Literal text inside a HAProxy log-format string (before haproxyArg quotes the whole): a raw `%` is code there, so it is doubled. */
export const haproxyFmtText = (v: string): string => v.replace(/%/g, '%%');

/** HAProxy log-format argument (set-header values, hdr): a raw `%` is code there, so it is doubled first. */
export const haproxyFmt = (v: string): string => haproxyArg(haproxyFmtText(v));

/** YAML scalar for CloudFormation: JSON's string form is valid YAML and round-trips every value. */
export function yamlScalar(v: string | number | boolean): string {
  if (typeof v === 'string' && scan(v) & CONTROL) throw new RenderError(`control character in ${JSON.stringify(v)}`);
  return JSON.stringify(v);
}

/**
 * Text inside a Graphviz HTML-like label (`label=<...>`, lbgen graph --format dot): XML's four
 * markup characters as entities, and a backslash doubled: Graphviz expands \N, \G, \E, \T, \H
 * and \L (node, graph, edge names) even inside HTML labels, after entities are read (so &#92; would
 * not do), and reads \\ as one backslash. A control character is refused (the schema allows none in
 * a label).
 */
export function dotHtml(v: string): string {
  if (scan(v) & CONTROL) throw new RenderError(`a graph label cannot take ${JSON.stringify(v)}`);
  return v.replace(/[&<>"\\]/g, (c) => DOT_ENTITY[c]!);
}
const DOT_ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\\': '\\\\' };

/** Characters a Mermaid label keeps as they are: letters, digits, space and . _ / , - (nothing Mermaid, Markdown or HTML reads). */
const MERMAID_PLAIN = /[^A-Za-z0-9 ._/,-]/gu;

/**
 * Text inside a quoted Mermaid label (`id["..."]`, lbgen graph --format mermaid): every other
 * character as Mermaid's entity code `#NNN;` (decimal code point), which Mermaid turns back into
 * that character as text. So no quote ends the label, no bracket or pipe reads as a shape or an edge
 * label, no `<` as HTML (GitHub renders labels as HTML), no `#` as another entity and no `:` feeds
 * Mermaid's `style ...:...#...;` rewrite. A control character is refused.
 */
export function mermaidText(v: string): string {
  if (scan(v) & CONTROL) throw new RenderError(`a graph label cannot take ${JSON.stringify(v)}`);
  return v.replace(MERMAID_PLAIN, (c) => `#${c.codePointAt(0)};`);
}
