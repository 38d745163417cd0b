/**
 * The JSON Schema compiled as several validators, the same way at run time (src/check/schema.ts) and
 * at build time (scripts/build.mjs, standalone code in the bundle).
 *
 * `document` is the whole schema: it gives the errors that become diagnostics. A valid topology
 * takes a faster path to the same verdict: `shell` is the schema with the two large maps (servers,
 * pools) reduced to `type: object`, and each map's names and entries are then checked one by one
 * with the map's own propertyNames and additionalProperties schemas. ajv's walk of a map
 * enumerates its keys three times (minProperties, propertyNames, additionalProperties); on a
 * 100,000-key mapping each enumeration costs about 20 ms. When the fast path fails, `document`
 * runs and reports exactly as before.
 */
export const MAPS = ['servers', 'pools'] as const;
export type MapName = (typeof MAPS)[number];

/** Validator name → the schema reference it compiles (by $id and JSON Pointer). */
export type Parts = Readonly<Record<string, string>>;

type Schema = { $id: string; properties: Record<string, Record<string, unknown>> };

const SHELL_ID_SUFFIX = '-shell';

/** The keywords a map's schema may have for the fast path to give the same verdict as `document`. */
const MAP_KEYWORDS = new Set(['description', 'type', 'minProperties', 'propertyNames', 'additionalProperties']);

/** `shell`: the schema with each map's checks reduced to its type. */
export function shellSchema(schema: object): object {
  const s = structuredClone(schema) as Schema;
  s.$id = s.$id.replace(/\.json$/, `${SHELL_ID_SUFFIX}.json`);
  for (const map of MAPS) {
    const node = s.properties[map]!;
    const unknown = Object.keys(node).filter((k) => !MAP_KEYWORDS.has(k));
    if (node.type !== 'object' || unknown.length) throw new Error(`schema: ${map} has ${unknown.join(', ') || `type ${String(node.type)}`}; the fast validation path (src/check/schema-parts.ts) does not cover it`);
    s.properties[map] = { type: 'object' };
  }
  return s;
}

export function parts(schema: object): Parts {
  const id = (schema as Schema).$id;
  const out: Record<string, string> = { document: id, shell: id.replace(/\.json$/, `${SHELL_ID_SUFFIX}.json`) };
  for (const map of MAPS) {
    out[`${map}Name`] = `${id}#/properties/${map}/propertyNames`;
    out[`${map}Entry`] = `${id}#/properties/${map}/additionalProperties`;
  }
  return out;
}

/** Each map's minProperties (0 when the schema sets none). */
export function minEntries(schema: object): Readonly<Record<MapName, number>> {
  const props = (schema as Schema).properties;
  return Object.fromEntries(MAPS.map((m) => [m, Number(props[m]!.minProperties ?? 0)])) as Record<MapName, number>;
}
