import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { type Diagnostic, didYouMean, error, pointerToSegments } from '../diagnostics.js';
import type { Topology } from '../model/topology.js';
import { schemaPath } from '../paths.js';
import { idsOf } from '../model/ids.js';
import { precompiled } from '../precompiled.js';
import { type DurationBounds, boundMs, durationKeyword } from './duration-keyword.js';
import { MAPS, type MapName, minEntries, parts, shellSchema } from './schema-parts.js';
import ajvOptions from './ajv-options.json' with { type: 'json' };

type SchemaNode = {
  properties?: Record<string, unknown>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  propertyNames?: SchemaNode;
  $ref?: string;
  description?: string;
  'x-expected'?: string;
};
type AjvInstance = {
  addKeyword(def: { keyword: string; schemaType: string } | ReturnType<typeof durationKeyword>): unknown;
  addSchema(schema: object): unknown;
  getSchema(ref: string): ValidateFunction | undefined;
};
type Validators = { readonly parts: Readonly<Record<string, ValidateFunction>>; readonly minEntries: Readonly<Record<MapName, number>> };

let compiled: Validators | undefined;

export function topologySchema(): object {
  return JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
}

/** Compiled once per process, on first use (precompiled in the bundle): commands that never validate never pay for it. */
function validators(): Validators {
  if (compiled) return compiled;
  if (precompiled) return (compiled = precompiled.validators);
  // Loaded only here: the bundle carries the standalone validators and never needs ajv's compiler.
  const { default: Ajv, _ } = createRequire(import.meta.url)('ajv/dist/2020.js') as { default: new (o: Options) => AjvInstance; _: Parameters<typeof durationKeyword>[0] };
  const ajv = new Ajv(ajvOptions as Options);
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  ajv.addKeyword(durationKeyword(_));
  const schema = topologySchema();
  ajv.addSchema(schema);
  ajv.addSchema(shellSchema(schema));
  const refs = Object.entries(parts(schema)).map(([name, ref]) => [name, ajv.getSchema(ref)!] as const);
  return (compiled = { parts: Object.fromEntries(refs), minEntries: minEntries(schema) });
}

/**
 * What ajv's validators otherwise default per call (two fresh objects each): only the verdict is
 * used here, never an error's path, and the schema has no $dynamicRef to write into the anchors.
 */
const ENTRY = Object.freeze({ instancePath: '', dynamicAnchors: Object.freeze({}) }) as unknown as Parameters<ValidateFunction>[1];

/** The schema's verdict on a valid topology, without ajv walking the large maps (see schema-parts.ts). */
function passes(v: Validators, data: unknown): boolean {
  if (!v.parts.shell!(data)) return false;
  for (const map of MAPS) {
    // The shell has checked that both maps are there and are mappings.
    const { ids, values } = idsOf((data as Record<MapName, Record<string, unknown>>)[map]);
    if (ids.length < v.minEntries[map]) return false;
    const name = v.parts[`${map}Name`]!;
    const entry = v.parts[`${map}Entry`]!;
    for (let i = 0; i < ids.length; i++) if (!name(ids[i], ENTRY) || !entry(values[i], ENTRY)) return false;
  }
  return true;
}

/** Schema check: every fault at once, each at the pointer of the offending key or value. */
export function validate(data: unknown): { topology: Topology | null; diagnostics: Diagnostic[] } {
  const v = validators();
  if (passes(v, data)) return { topology: data as Topology, diagnostics: [] };
  const check = v.parts.document!;
  if (check(data)) return { topology: data as Topology, diagnostics: [] };
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const schema = topologySchema() as SchemaNode;
  for (const e of check.errors ?? []) {
    const d = describe(e, schemaAt(schema, e.instancePath, e.keyword === 'propertyNames'), valueAt(data, e.instancePath));
    if (!d) continue;
    const id = `${d.pointer}\u0000${d.message}`;
    if (!seen.has(id)) diagnostics.push(d);
    seen.add(id);
  }
  return { topology: null, diagnostics };
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', object: 'a mapping', array: 'a list', null: 'null',
};

function show(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The schema that applies at an instance pointer, found by walking the schema along the data's path
 * (properties, additionalProperties, items, $ref). ajv's own schemaPath cannot say which definition a
 * $ref led to once refs are not inlined, and keeping `verbose` would double the bundled validator.
 */
function schemaAt(root: SchemaNode & { $defs?: Record<string, SchemaNode> }, pointer: string, propertyName: boolean): SchemaNode {
  const deref = (n: SchemaNode | undefined): SchemaNode => {
    let node = n ?? {};
    while (node.$ref?.startsWith('#/$defs/')) node = { ...root.$defs?.[node.$ref.slice(8)], ...(node.description ? { description: node.description } : {}) };
    return node;
  };
  let node = deref(root);
  for (const seg of pointerToSegments(pointer)) {
    node = deref(node.properties?.[seg] as SchemaNode | undefined ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : node.items));
  }
  return propertyName ? deref(node.propertyNames) : node;
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const seg of pointerToSegments(pointer)) node = (node as Record<string, unknown> | undefined)?.[seg];
  return node;
}

function describe(e: ErrorObject, schema: SchemaNode, value: unknown): Diagnostic | null {
  const at = e.instancePath;
  const got = ` (got ${show(value)})`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return error(at, `missing required field "${String(p.missingProperty)}"`);
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys(schema.properties ?? {}).sort();
      const close = didYouMean(name, known);
      return error(`${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, `unknown field "${name}"`, {
        atKey: true,
        ...(close ? { suggestion: `did you mean "${close}"?` } : known.length ? { suggestion: `expected one of ${known.join(', ')}` } : {}),
      });
    }
    case 'propertyNames': {
      // The inner error of a $ref'd name schema does not know the key; this one does.
      const name = String(p.propertyName);
      return error(`${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, `invalid name ${JSON.stringify(name)}: expected ${schema['x-expected'] ?? 'a valid name'}`, { atKey: true });
    }
    case 'enum':
      return error(at, `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}${got}`, suggest(value, p.allowedValues as unknown[]));
    case 'const':
      return error(at, `must be ${JSON.stringify(p.allowedValue)}${got}`);
    case 'type': {
      // A string field with its own wording (a version: "quote it") says it for a number as well.
      if (String(p.type) === 'string' && typeof value === 'number' && schema['x-expected']) return error(at, `must be ${schema['x-expected']}${got}`);
      const types = String(p.type).split(',').map((t) => TYPE_NAMES[t] ?? t);
      return error(at, `must be ${types.join(' or ')}${got}`);
    }
    case 'pattern': {
      // A pattern failing on a mapping is the inner half of a propertyNames error, reported there.
      if (typeof value !== 'string') return null;
      return error(at, `must be ${schema['x-expected'] ?? `text matching ${String(p.pattern)}`}${got}`);
    }
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': {
      const word = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than', exclusiveMaximum: 'less than' }[e.keyword];
      return error(at, `must be ${word} ${String(p.limit)}${got}`);
    }
    case 'x-duration': {
      // Bounds of a duration (see duration-keyword.ts), which the keyword puts in its error's params.
      const b = p as unknown as Required<DurationBounds>;
      const ms = typeof value === 'number' ? value * 1000 : boundMs(String(value));
      if (ms < boundMs(b.min)) return error(at, boundMs(b.min) === 1 ? 'must be more than 0' : `must be at least ${b.min}${got}`);
      return error(at, `must be at most ${b.max} (${b.reason ? `${b.reason}; ` : ''}got ${String(value)})`);
    }
    case 'if':
      return null; // the failing then/else branch reports its own error
    case 'multipleOf': return error(at, `must be a multiple of ${String(p.multipleOf)}${got}`);
    case 'minLength': return error(at, `must be at least ${String(p.limit)} characters long${got}`);
    case 'maxLength': return error(at, `must be at most ${String(p.limit)} characters long${got}`);
    case 'minItems': return error(at, `must list at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`);
    case 'maxItems': return error(at, `must list at most ${String(p.limit)} items`);
    case 'minProperties': return error(at, `must have at least ${String(p.limit)} entr${p.limit === 1 ? 'y' : 'ies'}`);
    case 'uniqueItems': return error(`${at}/${String(p.i)}`, `duplicate of item ${String(p.j)}${got}`);
    default:
      return error(at, e.message ?? `invalid (${e.keyword})`);
  }
}

function suggest(value: unknown, allowed: readonly unknown[]): Partial<Diagnostic> {
  if (typeof value !== 'string') return {};
  const close = didYouMean(value, allowed.map(String));
  return close ? { suggestion: `did you mean "${close}"?` } : {};
}
