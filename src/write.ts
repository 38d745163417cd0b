import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './diagnostics.js';
import type { RenderedFile } from './targets/target.js';

/** Output names are plain file names: nothing is ever written outside the output folder. */
function target(dir: string, file: RenderedFile): string {
  if (basename(file.path) !== file.path || file.path.startsWith('.')) throw new Error(`refusing output name ${JSON.stringify(file.path)}`);
  return join(dir, file.path);
}

function ensureDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`output path ${dir} exists and is not a folder`);
  try {
    // Each missing level made on its own: Node's mkdirSync(recursive) loops forever where mkdir
    // answers ENOENT under an existing parent (e.g. in /proc).
    const missing: string[] = [];
    for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
    for (const d of missing.reverse()) mkdirSync(d);
  } catch (e) {
    throw new UsageError(`cannot create output folder ${dir}: ${(e as Error).message}`);
  }
}

/**
 * All or nothing: every file is first written under a temporary name in the same folder, then each
 * is renamed over its final name. A failure before the renames removes the temporaries and leaves
 * the folder as it was.
 */
export function writeFiles(dir: string, files: readonly RenderedFile[]): void {
  ensureDir(dir);
  const temps: [string, string][] = [];
  try {
    for (const f of files) {
      const final = target(dir, f);
      const temp = join(dir, `.lbgen-tmp-${process.pid}-${f.path}`);
      temps.push([temp, final]);
      writeFileSync(temp, f.text, { mode: 0o644 });
    }
  } catch (e) {
    for (const [temp] of temps) rmSync(temp, { force: true });
    throw new UsageError(`cannot write to ${dir}: ${(e as Error).message}`);
  }
  // A rename in the folder the temporaries were just written to should not fail; if one does,
  // the temporaries not yet renamed go too, so no stray file stays behind.
  let renamed = 0;
  try {
    for (const [temp, final] of temps) {
      renameSync(temp, final);
      renamed++;
    }
  } finally {
    for (const [temp] of temps.slice(renamed)) rmSync(temp, { force: true });
  }
}

export type Drift = { readonly path: string; readonly kind: 'missing' | 'changed' | 'extra'; readonly expected: string; readonly actual: string };

/**
 * What differs between the folder and the files render would write. `owned` names every file the
 * checked targets can write: one of those present but not rendered now is `extra` (a stale output).
 */
export function findDrift(dir: string, files: readonly RenderedFile[], owned: readonly string[]): Drift[] {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`output path ${dir} exists and is not a folder`);
  const present = new Set(existsSync(dir) ? readdirSync(dir) : []);
  const rendered = new Set(files.map((f) => f.path));
  const changed = files.flatMap((f): Drift[] => {
    if (!present.has(f.path)) return [{ path: f.path, kind: 'missing', expected: f.text, actual: '' }];
    const actual = readFileSync(target(dir, f), 'utf8');
    return actual === f.text ? [] : [{ path: f.path, kind: 'changed', expected: f.text, actual }];
  });
  const extra = owned.filter((p) => present.has(p) && !rendered.has(p)).map((p): Drift => ({ path: p, kind: 'extra', expected: '', actual: '' }));
  return [...changed, ...extra];
}

/** The first line (1-based) where two texts differ. */
export function firstDifference(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}
