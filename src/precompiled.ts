import type { ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The bundle's precompiled validator and templates. `null` here, in the unbundled build that the
 * tests import, which compiles the schema at run time and loads the templates' generated module
 * itself (src/render/handlebars.ts); scripts/build.mjs swaps this
 * module for the generated one in dist/lbgen.js, so a run of the CLI compiles nothing.
 */
export type Precompiled = {
  /** The validators of src/check/schema-parts.ts, by name, and each large map's minProperties. */
  readonly validators: { readonly parts: Readonly<Record<string, ValidateFunction>>; readonly minEntries: Readonly<Record<'servers' | 'pools', number>> };
  /** Handlebars' precompiled built-in templates (build/generated/templates.cjs), by target/file. */
  readonly templates: Readonly<Record<string, (view: unknown) => string>>;
  readonly version: string;
};

export const precompiled: Precompiled | null = null;
