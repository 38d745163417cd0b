#!/usr/bin/env node
// The CLI is one bundle with its validator and templates precompiled (npm run build makes it).
import { main } from '../dist/lbgen.js';

process.exitCode = await main(process.argv.slice(2));
