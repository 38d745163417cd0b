// npm's `prepare`: builds the CLI bundle when it is missing or older than its sources, so that an
// install from git (`npm install git+…`, which runs prepare with the devDependencies present) and
// `npm ci` in a fresh clone give a working `lbgen`. A bundle newer than every source is left alone:
// `npm pack` has just built it in `prepack`, and `npm ci` in a built clone (CI, then `npm test`,
// which builds anyway) should not pay for a second build.
//   node scripts/prepare.mjs           build if needed
//   node scripts/prepare.mjs --check   only say whether a build is needed (exit 1 when it is)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUTS = ['dist/lbgen.cjs', 'dist/handlebars.cjs', 'dist/viz.cjs', 'dist/THIRD-PARTY-NOTICES.txt'];
const SOURCES = ['src', 'templates', 'schemas', 'scripts/build.mjs', 'scripts/generate.mjs', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json'];

/** The newest file under `path` (a file or a folder), as [mtime in ms, path]. */
function newest(path) {
  if (!existsSync(path)) return [0, path];
  const st = statSync(path);
  if (!st.isDirectory()) return [st.mtimeMs, path];
  let best = [0, path];
  for (const entry of readdirSync(path)) {
    const found = newest(join(path, entry));
    if (found[0] > best[0]) best = found;
  }
  return best;
}

/** Why a build is needed, or undefined when the bundle is up to date. */
function reason() {
  const missing = OUTPUTS.find((f) => !existsSync(join(root, f)));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...OUTPUTS.map((f) => statSync(join(root, f)).mtimeMs));
  const [time, source] = SOURCES.map((s) => newest(join(root, s))).reduce((a, b) => (b[0] > a[0] ? b : a));
  return time > built ? `${relative(root, source)} is newer than the bundle` : undefined;
}

const why = reason();
if (process.argv.includes('--check')) {
  process.stdout.write(why ? `build needed: ${why}\n` : 'up to date\n');
  process.exit(why ? 1 : 0);
}
if (why) {
  process.stderr.write(`lbgen: building (${why})\n`);
  // The npm that runs this script (npm_execpath), else the one on PATH.
  const npm = process.env.npm_execpath;
  const run = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(run.status ?? 1);
}
