// Build the one-file CLI bundle (dist/lbgen.js) with its validator and templates precompiled:
// the JSON Schema becomes ajv standalone code, every built-in template plain JavaScript,
// so a run compiles nothing at start-up. Generated into build/ (not committed), on every build.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const out = join(root, 'build', 'generated');
mkdirSync(out, { recursive: true });

// 1. ajv standalone validators (src/schema-parts.ts, compiled by tsc first), with the options of src/validate.ts.
const Ajv2020 = require('ajv/dist/2020').default;
const standalone = require('ajv/dist/standalone').default;
const { parts, shellSchema, minEntries } = await import(join(root, 'dist', 'src', 'schema-parts.js'));
const ajvOptions = JSON.parse(readFileSync(join(root, 'src', 'ajv-options.json'), 'utf8'));
const ajv = new Ajv2020({ ...ajvOptions, code: { source: true } });
ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
const schema = JSON.parse(readFileSync(join(root, 'schemas', 'topology.schema.json'), 'utf8'));
ajv.addSchema(schema);
ajv.addSchema(shellSchema(schema));
writeFileSync(join(out, 'validator.cjs'), standalone(ajv, parts(schema)));

// 2. The built-in templates as plain JavaScript (src/render/compile.ts, compiled by tsc, which npm
//    run build runs first), read by Handlebars' own parser; a template outside what it compiles fails the build.
const Handlebars = require('handlebars');
const { compileBuiltIn } = await import(join(root, 'dist', 'src', 'render', 'builtin.js'));
const templatesDir = join(root, 'templates');
const lines = [
  `import { runtime } from ${JSON.stringify(join(root, 'src', 'render', 'runtime.ts'))};`,
  'export const templates = {};',
];
for (const target of readdirSync(templatesDir).sort()) {
  for (const f of readdirSync(join(templatesDir, target)).sort()) {
    if (!f.endsWith('.hbs')) continue;
    const code = compileBuiltIn(templatesDir, target, f, (source) => Handlebars.parse(source));
    lines.push(`templates[${JSON.stringify(`${target}/${f}`)}] = (function (rt) {\n${code}})(runtime);`);
  }
}
writeFileSync(join(out, 'templates.mjs'), `${lines.join('\n')}\n`);

writeFileSync(join(out, 'precompiled.mjs'), [
  "import parts from './validator.cjs';",
  "import { templates } from './templates.mjs';",
  `export const precompiled = { validators: { parts, minEntries: ${JSON.stringify(minEntries(schema))} }, templates, version: ${JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version)} };`,
  '',
].join('\n'));

// 3. One CommonJS bundle (CJS loads faster than ESM on Node 20): src/precompiled.ts (null in the
//    unbundled build, where tests compile at run time) is swapped for the generated module.
const bundle = join(root, 'dist', 'lbgen.cjs');
const result = await esbuild.build({
  entryPoints: [join(root, 'src', 'cli.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: !process.env.LBGEN_NO_MINIFY,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  define: { 'import.meta.url': '__lbgenUrl' },
  banner: { js: "const __lbgenUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [{
    name: 'precompiled',
    setup(build) {
      build.onResolve({ filter: /\/precompiled\.js$/ }, () => ({ path: join(out, 'precompiled.mjs') }));
    },
  }],
});
if (process.env.LBGEN_BUNDLE_REPORT) console.log(await esbuild.analyzeMetafile(result.metafile));

// 4. V8's code cache for the bundle, made by one real run (bin/lbgen.cjs reads it; V8 ignores a
//    cache that does not match its version or the source, so a stale one only costs the saving).
rmSync(`${bundle}.cache`, { force: true });
const scratch = mkdtempSync(join(tmpdir(), 'lbgen-build-'));
const run = spawnSync(process.execPath, [join(root, 'bin', 'lbgen.cjs'), 'render', join(root, 'examples', 'verb-app.yaml'), '-o', scratch, '--quiet'], {
  env: { ...process.env, LBGEN_WRITE_CODE_CACHE: `${bundle}.cache` },
  stdio: 'inherit',
});
rmSync(scratch, { recursive: true, force: true });
if (run.status !== 0) throw new Error('the bundle failed to render the example');
