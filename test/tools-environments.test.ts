/**
 * The real validators judge every stage of examples/environments: the base alone (a developer's
 * machine) and the base with staging.yaml or prod.yaml merged over it (nginx -t, haproxy -c,
 * cfn-lint; no warning accepted).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../src/paths.js';
import { analyse, renderFiles } from '../src/pipeline.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { type Verdict, cfnLint, haproxyCheck, nginxCheck, pathsOf } from './helpers/validators.js';

const dir = join(packageRoot, 'examples', 'environments');
const read = (file: string) => ({ file, text: readFileSync(join(dir, file), 'utf8') });

for (const overlay of [undefined, 'staging.yaml', 'prod.yaml']) {
  const base = read('topology.yaml');
  const opts = { file: base.file, targets: TARGET_NAMES, ...(overlay ? { overlays: [read(overlay)] } : {}) };
  const analysis = analyse(base.text, opts);
  const model = analysis.model;
  const files = new Map([...renderFiles(analysis, opts)].map((f) => [f.path, f.text]));
  const judges: [string, () => Verdict][] = [
    ['nginx -t', () => nginxCheck(files.get('nginx.conf')!, pathsOf(model))],
    ['haproxy -c', () => haproxyCheck(files.get('haproxy.cfg')!, pathsOf(model), model.stats ? { [model.stats.passwordEnv]: 'stage secret' } : {})],
    ['cfn-lint', () => cfnLint(files.get('cloudformation-alb.yaml')!)],
  ];
  for (const [judge, run] of judges) {
    test(`${judge} accepts topology.yaml${overlay ? ` + ${overlay}` : ''}`, (t) => {
      const verdict = run();
      if (verdict.skipped) return t.skip(verdict.skipped);
      assert.ok(verdict.ok, verdict.output);
    });
  }
}
