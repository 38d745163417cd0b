import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export const BIN = join(packageRoot, 'bin', 'lbgen.cjs');
export const EXAMPLE = join(packageRoot, 'examples', 'verb-app.yaml');

export type Run = { code: number | null; stdout: string; stderr: string };

/**
 * The test process's environment without what asks for colour or forbids it (FORCE_COLOR, even
 * empty, turns colour on; NO_COLOR off; a CI variable changes what a terminal gets): each test sets
 * its own.
 */
export function plainEnv(): Record<string, string | undefined> {
  const env = { ...process.env };
  for (const name of ['FORCE_COLOR', 'NO_COLOR', 'CI', 'TF_BUILD', 'COLORTERM']) delete env[name];
  return env;
}

/** Run bin/lbgen.js as a user would, in `cwd`, without a terminal. */
export function lbgen(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? packageRoot,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    encoding: 'utf8',
    env: { ...plainEnv(), ...opts.env },
    // A hang is a failure, not a stuck suite.
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];

/**
 * A fresh folder under the system's temporary folder, removed (with all it holds) when this test
 * process exits: node --test runs each test file in a process of its own.
 */
export function tempDir(prefix = 'lbgen-cli-'): string {
  if (made.length === 0) process.once('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
