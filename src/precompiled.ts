import type { ValidateFunction } from 'ajv/dist/2020.js';

/** Handlebars' precompiled built-in templates with the runtime that runs them (build/generated/templates.cjs). */
type TemplateSpecification = Parameters<typeof import('handlebars')['template']>[0];

export type BuiltInTemplates = {
  readonly runtime: typeof import('handlebars');
  /** By target, by file name: `templates/<target>/<file>.hbs` and `templates/<target>/partials/<file>.hbs`. */
  readonly targets: Readonly<Record<string, { readonly templates: Readonly<Record<string, TemplateSpecification>>; readonly partials: Readonly<Record<string, TemplateSpecification>> }>>;
};

/**
 * The bundle's precompiled validator and templates. `null` here, in the unbundled build that the
 * tests import, which compiles the schema at run time and loads the templates' generated module
 * itself (src/render/handlebars.ts); scripts/build.mjs swaps this
 * module for the generated one in dist/lbgen.js, so a run of the CLI compiles nothing.
 */
export type Precompiled = {
  /** The validators of src/check/schema-parts.ts, by name, and each large map's minProperties. */
  readonly validators: { readonly parts: Readonly<Record<string, ValidateFunction>>; readonly minEntries: Readonly<Record<'servers' | 'pools', number>> };
  readonly templates: BuiltInTemplates;
  readonly version: string;
};

export const precompiled: Precompiled | null = null;
