import type { ValidateFunction } from 'ajv/dist/2020.js';

/**
 * The bundle's precompiled validator and templates. `null` here, in the unbundled build that the
 * tests import, which compiles the schema and the templates at run time; scripts/build.mjs swaps this
 * module for the generated one in dist/lbgen.js, so a run of the CLI compiles nothing.
 */
export type Precompiled = {
  readonly validate: ValidateFunction;
  readonly templates: Readonly<Record<string, (view: unknown) => string>>;
  readonly version: string;
};

export const precompiled: Precompiled | null = null;
