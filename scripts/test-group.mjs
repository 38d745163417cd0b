// Runs one group of the built tests (npm run test:unit, test:e2e, test:tools; `npm test` runs them
// all, as CI does). A test file belongs to the first group whose rule names it, else to unit:
//   e2e    the built CLI run as a user runs it (a process per command; package: packed and
//          installed as a user gets it), and the real nginx and HAProxy serving on loopback
//          (test/e2e-*.test.ts);
//   tools  the real validators: nginx -t, haproxy -c, cfn-lint, promtool (test/tools-*.test.ts,
//          and the files that run them on generated or hostile topologies);
//   unit   the rest: the pipeline in process, seconds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RULES = {
  e2e: { prefix: 'e2e-', files: ['ci-examples', 'ci-formats', 'cli', 'graph-cli', 'hostile-input', 'package', 'pre-commit', 'report', 'write'] },
  tools: { prefix: 'tools-', files: ['cli-tools', 'extremes', 'injection', 'property', 'validators'] },
};

const group = process.argv[2];
if (!['unit', 'e2e', 'tools'].includes(group)) {
  process.stderr.write('usage: node scripts/test-group.mjs unit|e2e|tools\n');
  process.exit(2);
}
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'test');
const name = (file) => file.slice(0, -'.test.js'.length);
const groupOf = (n) => Object.keys(RULES).find((g) => n.startsWith(RULES[g].prefix) || RULES[g].files.includes(n)) ?? 'unit';

// A renamed or removed test file must not leave its group silently smaller.
for (const n of Object.values(RULES).flatMap((r) => r.files)) {
  if (!existsSync(join(dir, `${n}.test.js`))) {
    process.stderr.write(`scripts/test-group.mjs names ${n}.test.js, which is not in dist/test (npm run build first)\n`);
    process.exit(2);
  }
}
const files = readdirSync(dir).filter((f) => f.endsWith('.test.js') && groupOf(name(f)) === group).sort().map((f) => join(dir, f));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(run.status ?? 1);
