/**
 * docs/topology.md, the field reference, made from schemas/topology.schema.json: every field's
 * description, type, default and range come from the schema, so the reference cannot drift from
 * what lbgen accepts. `npm run docs` rewrites the file; test/docs.test.ts fails when it is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MIN, type DurationBounds } from '../src/check/duration-keyword.js';

type Schema = {
  readonly description?: string;
  readonly type?: string | readonly string[];
  readonly $ref?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: Schema | boolean;
  readonly propertyNames?: Schema;
  readonly required?: readonly string[];
  readonly items?: Schema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minProperties?: number;
  readonly multipleOf?: number;
  readonly uniqueItems?: boolean;
  readonly pattern?: string;
  readonly 'x-expected'?: string;
  readonly 'x-duration'?: DurationBounds;
  readonly $defs?: Readonly<Record<string, Schema>>;
};

type Row = { readonly field: string; readonly type: string; readonly required: boolean; readonly default: string; readonly accepts: string; readonly description: string };

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const SCHEMA_FILE = join(root, 'schemas', 'topology.schema.json');
export const REFERENCE_FILE = join(root, 'docs', 'topology.md');

/** The named definitions a field may point at, as a reader calls them. */
const DEF_NAMES: Readonly<Record<string, string>> = {
  id: 'id', port: 'port', version: 'version string', duration: 'duration', delay: 'duration', lifetime: 'duration', domain: 'host name',
  ipAddress: 'IP address', address: 'host name or IP address', cidr: 'CIDR', cidrList: 'list of CIDRs',
  urlPath: 'URL path', filePath: 'absolute file path',
};

/** Markdown for the whole reference. */
export function schemaReference(schema: Schema): string {
  const defs = schema.$defs ?? {};
  const rows: Row[] = [];
  walk(schema, '', defs, rows);
  const out = [
    '# Topology file reference',
    '',
    '<!-- Generated from schemas/topology.schema.json by `npm run docs`: edit the schema, not this file. -->',
    '',
    schema.description ?? '',
    '',
    'Every field of a topology file, in the order of the schema. `<id>` stands for a key you choose',
    '(an id: lower-case letters, digits, `_` and `-`, starting with a letter); `[]` for each item of a list.',
    'Durations are a whole number and a unit (`500ms`, `10s`, `5m`, `1h`, `1d`); a bare integer means seconds.',
    'A field marked required must be present when its parent is.',
    '',
    '| field | type | required | default | accepts | description |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| \`${r.field}\` | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${r.default ? `\`${r.default}\`` : ''} | ${cell(r.accepts)} | ${cell(r.description)} |`),
    '',
  ];
  return out.join('\n');
}

/** A row for each property of an object, then the fields inside it. */
function walk(node: Schema, path: string, defs: Readonly<Record<string, Schema>>, rows: Row[]): void {
  const s = resolve(node, defs);
  const required = new Set(s.required ?? []);
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const field = path ? `${path}.${key}` : key;
    rows.push(row(field, child, defs, required.has(key)));
    descend(resolve(child, defs), field, defs, rows);
  }
}

/** Objects, maps of objects and lists of objects have fields of their own. */
function descend(s: Schema, field: string, defs: Readonly<Record<string, Schema>>, rows: Row[]): void {
  if (s.properties) walk(s, field, defs, rows);
  if (typeof s.additionalProperties === 'object') {
    const value = resolve(s.additionalProperties, defs);
    if (value.properties) {
      const key = `${field}.<id>`;
      rows.push(row(key, s.additionalProperties, defs, false));
      walk(value, key, defs, rows);
    }
  }
  if (s.items) {
    const item = resolve(s.items, defs);
    if (item.properties) walk(item, `${field}[]`, defs, rows);
  }
}

function row(field: string, node: Schema, defs: Readonly<Record<string, Schema>>, required: boolean): Row {
  const s = resolve(node, defs);
  return {
    field,
    type: typeOf(node, defs),
    required,
    default: s.default === undefined ? (node.default === undefined ? '' : JSON.stringify(node.default)) : JSON.stringify(s.default),
    accepts: accepts(s),
    description: node.description ?? s.description ?? '',
  };
}

/** A $ref's own keywords (description, default) win over the definition's, as in JSON Schema 2020-12. */
function resolve(node: Schema, defs: Readonly<Record<string, Schema>>): Schema {
  if (!node.$ref) return node;
  const name = node.$ref.replace('#/$defs/', '');
  const target = defs[name];
  if (!target) throw new Error(`schema: unresolved $ref ${node.$ref}`);
  const { $ref: _, ...own } = node;
  return { ...resolve(target, defs), ...own };
}

function typeOf(node: Schema, defs: Readonly<Record<string, Schema>>): string {
  if (node.$ref) {
    const name = node.$ref.replace('#/$defs/', '');
    return DEF_NAMES[name] ?? typeOf(resolve(node, defs), defs);
  }
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (node.enum) return 'one of ' + node.enum.map((v) => `\`${String(v)}\``).join(', ');
  const types = node.type === undefined ? [] : typeof node.type === 'string' ? [node.type] : [...node.type];
  if (types.includes('array') && node.items) return `list of ${plural(typeOf(node.items, defs))}`;
  if (types.includes('object') && typeof node.additionalProperties === 'object') return `map of ${plural(typeOf(node.additionalProperties, defs))} by id`;
  return types.join(' or ') || 'any';
}

const plural = (t: string) => (t.startsWith('one of') || t.startsWith('list') || t.startsWith('map') ? t : `${t}s`);

/** What values pass: ranges, lengths, counts and the pattern's plain-words form. */
function accepts(s: Schema): string {
  const parts: string[] = [];
  if (s['x-expected']) parts.push(s['x-expected']);
  else if (s.pattern) parts.push(`matches \`${s.pattern}\``);
  const range = (lo: number | undefined, hi: number | undefined, unit: string, exclusive = false) => {
    if (lo !== undefined && hi !== undefined) parts.push(`${lo}–${hi}${unit}`);
    else if (lo !== undefined) parts.push(`${exclusive ? 'more than' : 'at least'} ${lo}${unit}`);
    else if (hi !== undefined) parts.push(`at most ${hi}${unit}`);
  };
  // A duration's bounds are its x-duration keyword's (src/check/duration-keyword.ts), not the integer form's.
  const d = s['x-duration'];
  if (d) parts.push(`${(d.min ?? DEFAULT_MIN) === DEFAULT_MIN ? 'more than 0' : `at least ${d.min}`}, at most ${d.max}`);
  else range(s.minimum ?? s.exclusiveMinimum, s.maximum, '', s.minimum === undefined && s.exclusiveMinimum !== undefined);
  range(s.minItems, s.maxItems, ' items');
  range(s.minLength, s.maxLength, ' characters');
  if (s.multipleOf !== undefined) parts.push(`a multiple of ${s.multipleOf}`);
  if (s.minProperties !== undefined) parts.push(`at least ${s.minProperties} entr${s.minProperties === 1 ? 'y' : 'ies'}`);
  if (s.uniqueItems) parts.push('no repeats');
  return parts.join('; ');
}

/** A table cell: no line breaks, no bare pipes. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

/** `node dist/scripts/schema-doc.js` (npm run docs) rewrites docs/topology.md. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(REFERENCE_FILE, schemaReference(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema));
  console.log(`wrote ${REFERENCE_FILE}`);
}
