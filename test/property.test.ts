/**
 * Property: every topology the schema accepts renders for all three targets, and the real
 * validators accept every output. Cases come from test/fuzz/arbitrary.ts with a fixed seed (the
 * failing topology is printed as YAML); PROPERTY_CASES raises the count (npm run fuzz).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { LbgenError, formatDiagnostic } from '../src/diagnostics.js';
import { analyse, generate } from '../src/pipeline.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { topologyArbitrary } from './fuzz/arbitrary.js';
import { haproxyCheck, nginxCheck, pathsOf, whyNotRun } from './helpers/validators.js';

const CASES = Number(process.env.PROPERTY_CASES ?? 300);
const SEED = Number(process.env.PROPERTY_SEED ?? 42);

type Rendered = { yaml: string; files: Map<string, string>; paths: ReturnType<typeof pathsOf> };

function renderAll(): Rendered[] {
  return fc.sample(topologyArbitrary, { numRuns: CASES, seed: SEED }).map((t, i) => {
    const text = yaml.dump(t, { lineWidth: -1 });
    // HAProxy proxies no UDP: a topology with a udp stream is an error for that target alone (test/streams.test.ts).
    const udp = Object.values((t.streams ?? {}) as Record<string, { protocol?: string }>).some((s) => s.protocol === 'udp');
    try {
      const r = generate(text, { file: `case-${i}.yaml`, targets: udp ? TARGET_NAMES.filter((n) => n !== 'haproxy') : TARGET_NAMES });
      const model = analyse(text, { file: `case-${i}.yaml`, targets: [] }).model;
      return { yaml: text, files: new Map(r.files.map((f) => [f.path, f.text])), paths: pathsOf(model) };
    } catch (e) {
      if (e instanceof LbgenError) assert.fail(`case ${i} was refused:\n${e.diagnostics.map(formatDiagnostic).join('\n')}\n--- topology ---\n${text}`);
      throw new Error(`case ${i} crashed: ${(e as Error).stack}\n--- topology ---\n${text}`);
    }
  });
}

const rendered = renderAll();

test(`property: ${CASES} random topologies pass nginx -t`, (t) => {
  const why = whyNotRun('nginx');
  if (why) return t.skip(why);
  rendered.forEach((r, i) => {
    const v = nginxCheck(r.files.get('nginx.conf')!, r.paths);
    assert.ok(v.ok, `case ${i}: ${v.output}\n--- topology ---\n${r.yaml}`);
  });
});

test(`property: ${CASES} random topologies pass haproxy -c`, (t) => {
  const why = whyNotRun('haproxy');
  if (why) return t.skip(why);
  rendered.forEach((r, i) => {
    const cfg = r.files.get('haproxy.cfg');
    if (cfg === undefined) return;
    const v = haproxyCheck(cfg, r.paths, { FUZZ_STATS_PASSWORD: 'fuzz' });
    assert.ok(v.ok, `case ${i}: ${v.output}\n--- topology ---\n${r.yaml}`);
  });
});

test(`property: ${CASES} random topologies pass cfn-lint (one batched run)`, (t) => {
  const why = whyNotRun('cfn-lint');
  if (why) return t.skip(why);
  const dir = mkdtempSync(join(tmpdir(), 'lbgen-property-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = rendered.flatMap((r, i) => {
    const f = join(dir, `case-${i}.yaml`);
    writeFileSync(f, r.files.get('cloudformation-alb.yaml')!);
    // The streams' Network Load Balancer, when the case has streams.
    const nlb = r.files.get('cloudformation-nlb.yaml');
    if (nlb === undefined) return [f];
    writeFileSync(join(dir, `case-${i}-nlb.yaml`), nlb);
    return [f, join(dir, `case-${i}-nlb.yaml`)];
  });
  const out = spawnSync('cfn-lint', ['--format', 'parseable', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.ok(!out.error && (out.status === 0 || out.stdout.trim() !== ''), `cfn-lint did not run cleanly (exit ${out.status}): ${out.error?.message ?? out.stderr}`);
  const findings = out.stdout.trim();
  const first = /case-(\d+)(?:-nlb)?\.yaml/.exec(findings);
  assert.equal(findings, '', first ? `--- topology of case ${first[1]} ---\n${rendered[Number(first[1])]!.yaml}` : out.stderr);
});
