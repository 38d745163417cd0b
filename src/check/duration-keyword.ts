/**
 * The schema keyword `x-duration: { min, max, reason }`: a duration's bounds live in the schema
 * (schemas/topology.schema.json), next to its shape, and ajv checks them with the rest. The
 * keyword compiles to inline code, so that the bundle's standalone validators (scripts/build.mjs)
 * carry it as the run-time compiler does (src/check/schema.ts). It takes ajv's `_` code tag
 * from the caller, so that this module loads nothing of ajv's compiler itself.
 */

export type DurationBounds = { readonly min?: string; readonly max: string; readonly reason?: string };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A bound as written in the schema ("1ms", "24d") in milliseconds. */
export function boundMs(text: string): number {
  const m = /^([0-9]+)(ms|s|m|h|d)$/.exec(text);
  if (!m) throw new Error(`schema: x-duration bound ${JSON.stringify(text)} is not a duration`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** The lower bound when the schema gives none: more than 0. */
export const DEFAULT_MIN = '1ms';

type Code = unknown;
type CodeTag = (strings: TemplateStringsArray, ...values: unknown[]) => Code;
type Cxt = { gen: { const(name: string, value: Code): Code }; data: Code; schema: DurationBounds; fail(condition: Code): void };

export function durationKeyword(_: CodeTag) {
  return {
    keyword: 'x-duration',
    type: ['string', 'number'],
    schemaType: 'object',
    code(cxt: Cxt) {
      const min = boundMs(cxt.schema.min ?? DEFAULT_MIN);
      const max = boundMs(cxt.schema.max);
      const d = cxt.data;
      // A value of the wrong shape is NaN here and passes: its type or pattern error says what is wrong.
      const ms = cxt.gen.const('ms', _`typeof ${d} == "number" ? ${d} * 1000 : /^[0-9]+(ms|s|m|h|d)$/.test(${d}) ? (${d}.endsWith("ms") ? +${d}.slice(0, -2) : +${d}.slice(0, -1) * {s: 1e3, m: 6e4, h: 36e5, d: 864e5}[${d}.slice(-1)]) : NaN`);
      cxt.fail(_`${ms} < ${min} || ${ms} > ${max}`);
    },
    // The bounds as written, for the message (src/check/schema.ts describes the error).
    error: {
      message: 'duration out of range',
      params: ({ schema }: { schema: DurationBounds }) => _`{min: ${schema.min ?? DEFAULT_MIN}, max: ${schema.max}, reason: ${schema.reason ?? ''}}`,
    },
  };
}
