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

const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/;
const BARE = /^[A-Za-z0-9_\-.:/,@=+*%?&~]+$/;

/** nginx argument: bare when safe, else double-quoted with \ and " escaped. nginx expands `$` even in quotes, so `$` is refused. */
export function nginxArg(v: string): string {
  if (v === '' || CONTROL.test(v)) throw new RenderError(`nginx cannot take ${JSON.stringify(v)}`);
  if (v.includes('$')) throw new RenderError(`nginx cannot write "$" literally: ${JSON.stringify(v)}`);
  return BARE.test(v) && !v.startsWith('~') && !v.startsWith('=') ? v : `"${v.replace(/[\\"]/g, '\\$&')}"`;
}

/** HAProxy argument: bare when safe, else single-quoted (HAProxy interprets nothing inside; adjacent pieces concatenate). */
export function haproxyArg(v: string): string {
  if (v === '' || CONTROL.test(v)) throw new RenderError(`haproxy cannot take ${JSON.stringify(v)}`);
  return BARE.test(v) && !v.includes('%') ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

/** HAProxy log-format argument (set-header values, hdr): a raw `%` is code there, so it is doubled first. */
export const haproxyFmt = (v: string): string => haproxyArg(v.replace(/%/g, '%%'));

/** YAML scalar for CloudFormation: JSON's string form is valid YAML and round-trips every value. */
export function yamlScalar(v: string | number | boolean): string {
  if (typeof v === 'string' && CONTROL.test(v)) throw new RenderError(`control character in ${JSON.stringify(v)}`);
  return JSON.stringify(v);
}
