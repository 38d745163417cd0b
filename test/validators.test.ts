/**
 * The validator helpers never pass silently: a validator that cannot run (not installed, or no
 * private namespaces for it) gives a verdict that is not ok and says why (the tests report a skip
 * with that reason), and under CI=true the same is an error. Each case runs the helper in a child
 * process whose PATH holds stand-ins (`unshare` that fails, no validator at all).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from './helpers/cli.js';
import { namespaceArgs, nginxCheck, whyNotRun } from './helpers/validators.js';

const HELPER = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'helpers', 'validators.js')).href;

/** Run `call` (an expression on the helper module `v`) with PATH = `path`; prints its verdict as JSON or the error thrown. */
function helper(call: string, path: string, ci: string | undefined) {
  const script = `import * as v from ${JSON.stringify(HELPER)};
try { console.log(JSON.stringify(${call})); } catch (e) { console.log(JSON.stringify({ thrown: e.message })); }`;
  const env: Record<string, string> = { PATH: path };
  if (ci !== undefined) env.CI = ci;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { ok?: boolean; skipped?: string; thrown?: string };
}

/** A folder holding `sh` (the helper probes with it) and, when asked, an `unshare` that always fails. */
function fakeBin(failingUnshare: boolean): string {
  const bin = tempDir('lbgen-fakebin-');
  const sh = spawnSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(join(bin, 'sh'), `#!${sh}\nexec ${sh} "$@"\n`);
  chmodSync(join(bin, 'sh'), 0o755);
  if (failingUnshare) {
    writeFileSync(join(bin, 'unshare'), '#!/bin/sh\necho "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n');
    chmodSync(join(bin, 'unshare'), 0o755);
  }
  return bin;
}

const paths = "{ hostnames: [] }";

test('a validator that is not installed: not ok and a reason outside CI, an error under CI=true', () => {
  const bin = fakeBin(false);
  for (const [call, tool] of [[`v.nginxCheck('', ${paths})`, 'nginx'], [`v.haproxyCheck('', ${paths})`, 'haproxy'], ["v.cfnLint('')", 'cfn-lint'], ["v.promtoolCheck('')", 'promtool']]) {
    const outside = helper(call!, bin, undefined);
    assert.equal(outside.ok, false, `${tool}: a skipped check is never ok`);
    assert.equal(outside.skipped, `${tool} is not installed`);
    assert.equal(helper(call!, bin, 'false').skipped, `${tool} is not installed`, 'CI=false is a developer machine');
    assert.match(helper(call!, bin, 'true').thrown ?? '', new RegExp(`^${tool} is not installed: CI must install it`));
  }
});

test('no private namespaces (unshare refused): nginx and HAProxy checks are skipped with the reason, an error under CI=true', (t) => {
  const bin = fakeBin(true);
  for (const [tool, call] of [['nginx', `v.nginxCheck('', ${paths})`], ['haproxy', `v.haproxyCheck('', ${paths})`]] as const) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (!real) {
      t.diagnostic(`${tool} is not installed: not checked`);
      continue;
    }
    // The validator itself is found; unshare is the stand-in that fails.
    writeFileSync(join(bin, tool), `#!/bin/sh\nexec ${real} "$@"\n`);
    chmodSync(join(bin, tool), 0o755);
    const outside = helper(call, bin, undefined);
    assert.equal(outside.ok, false);
    assert.match(outside.skipped ?? '', /^no private namespaces for the validators \(unshare (-r )?-m -n: unshare: unshare failed: Operation not permitted\)$/);
    assert.match(helper(call, bin, 'true').thrown ?? '', /^no private namespaces .*: CI must allow them$/);
  }
});

test('the namespaces suit the user: plain ones for root, a user namespace otherwise; a backend name then resolves and port 80 binds', (t) => {
  const why = whyNotRun('nginx');
  if (why) return t.skip(why);
  const ns = namespaceArgs();
  assert.deepEqual('args' in ns && ns.args, process.getuid?.() === 0 ? ['-m', '-n'] : ['-r', '-m', '-n']);
  const conf = 'events {}\nhttp {\n  access_log off;\n  upstream u { server app.lbgen.invalid:3000; }\n  server { listen 80; location / { proxy_pass http://u; } }\n}\n';
  const verdict = nginxCheck(conf, { hostnames: ['app.lbgen.invalid'] });
  assert.ok(verdict.ok, verdict.output);
  assert.equal(nginxCheck(conf, { hostnames: [] }).ok, false, 'the name resolves through the namespace\'s own /etc/hosts only');
});
