import { createRequire } from 'node:module';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One validator's verdict on one written file; `missing` when the validator is not installed. */
export type Verification = { readonly file: string; readonly tool: string; readonly status: 'passed' | 'failed' | 'missing'; readonly findings: readonly string[] };

type ChildProcess = typeof import('node:child_process');

/** child_process is loaded only when --verify asks for it: every other run starts faster without it. */
function run(command: string, args: string[], timeout?: number): { status: number | null; output: string } {
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as ChildProcess;
  const r = spawnSync(command, args, { encoding: 'utf8', ...(timeout ? { timeout } : {}) });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

type Validator = { tool: string; args: (file: string, dir: string) => string[]; env?: Record<string, string> };

/** Which validator judges which output file. */
const VALIDATORS: Record<string, Validator> = {
  'nginx.conf': { tool: 'nginx', args: (f, dir) => ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', f, '-g', `pid ${join(dir, 'nginx.pid')};`] },
  // Not -q: HAProxy 2.6 then prints nothing at all, its alerts included.
  'haproxy.cfg': { tool: 'haproxy', args: (f) => ['-c', '-f', f] },
  'cloudformation-alb.yaml': { tool: 'cfn-lint', args: (f) => ['--format', 'parseable', f] },
  'cloudformation-nlb.yaml': { tool: 'cfn-lint', args: (f) => ['--format', 'parseable', f] },
};

const installed = (tool: string): boolean => run('sh', ['-c', `command -v ${tool}`]).status === 0;

/**
 * Run the real validators that are on PATH on a copy of each written file (`paths`, in `outDir`)
 * in a temporary folder, and map their findings (which name the copy) back to the written file.
 * Certificates and host names are resolved as on this machine: a missing certificate here is a
 * finding, not a false alarm.
 */
export function verify(paths: readonly string[], outDir: string): Verification[] {
  const sandbox = mkdtempSync(join(tmpdir(), 'lbgen-verify-'));
  try {
    return paths.flatMap((path): Verification[] => {
      const v = VALIDATORS[path];
      if (!v) return [];
      const shown = join(outDir, path);
      if (!installed(v.tool)) return [{ file: shown, tool: v.tool, status: 'missing', findings: [] }];
      const copy = join(sandbox, path);
      copyFileSync(shown, copy);
      const r = run(v.tool, v.args(copy, sandbox), 120_000);
      const text = r.output.split(copy).join(shown);
      const findings = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/syntax is ok|test is successful|Configuration file is valid|haproxy version is|path to executable is/i.test(l));
      const failed = r.status !== 0 || findings.some((l) => /\[(emerg|alert|crit|error|warn|WARNING|ALERT)\]|:\d+:\d+:|^[EW]\d{4}/.test(l));
      return [{ file: shown, tool: v.tool, status: failed ? 'failed' : 'passed', findings }];
    });
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}
