#!/usr/bin/env node
'use strict';
// The CLI is one CommonJS bundle with its validator and templates precompiled (npm run build makes
// it). It is compiled through V8's code cache made at build time: start-up is most of a CLI run.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { Script } = require('node:vm');

const file = path.join(__dirname, '..', 'dist', 'lbgen.cjs');
let cachedData;
try {
  cachedData = fs.readFileSync(`${file}.cache`);
} catch {
  cachedData = undefined;
}
// The bundle is written as a module wrapper function (scripts/build.mjs): its text is compiled as read.
const script = new Script(fs.readFileSync(file, 'utf8'), { filename: file, cachedData });
const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, Module.createRequire(file), bundle, file, path.dirname(file));
bundle.exports.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  if (process.env.LBGEN_WRITE_CODE_CACHE) fs.writeFileSync(process.env.LBGEN_WRITE_CODE_CACHE, script.createCachedData());
});
