/**
 * The real validators judge every example a user starts from: examples/*.yaml for each target
 * that renders it (a udp stream is an error for HAProxy), and every stage of
 * examples/environments (the base alone, and with staging.yaml or prod.yaml merged over it):
 * nginx -t, haproxy -c, cfn-lint on the ALB and, with streams, the NLB template; no warning accepted.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../src/paths.js';
import { type Options, analyse, renderFiles } from '../src/pipeline.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { type Verdict, cfnLint, haproxyCheck, nginxCheck, pathsOf } from './helpers/validators.js';

const examples = join(packageRoot, 'examples');
const environments = join(examples, 'environments');
const read = (dir: string, file: string) => ({ file, text: readFileSync(join(dir, file), 'utf8') });

function judge(name: string, text: string, opts: Options): void {
  const analysis = analyse(text, opts);
  const model = analysis.model;
  const files = new Map([...renderFiles(analysis, opts)].map((f) => [f.path, f.text]));
  const judges: [string, string, () => Verdict][] = [
    ['nginx -t', 'nginx.conf', () => nginxCheck(files.get('nginx.conf')!, pathsOf(model))],
    ['haproxy -c', 'haproxy.cfg', () => haproxyCheck(files.get('haproxy.cfg')!, pathsOf(model), model.stats ? { [model.stats.passwordEnv]: 'stage secret' } : {})],
    ['cfn-lint', 'cloudformation-alb.yaml', () => cfnLint(files.get('cloudformation-alb.yaml')!)],
    ['cfn-lint', 'cloudformation-nlb.yaml', () => cfnLint(files.get('cloudformation-nlb.yaml')!, 'cloudformation-nlb.yaml')],
  ];
  for (const [tool, file, run] of judges) {
    if (!files.has(file)) continue;
    test(`${tool} accepts the ${file} of ${name}`, (t) => {
      const verdict = run();
      if (verdict.skipped) return t.skip(verdict.skipped);
      assert.ok(verdict.ok, verdict.output);
    });
  }
}

for (const file of readdirSync(examples).filter((f) => f.endsWith('.yaml')).sort()) {
  const { text } = read(examples, file);
  const udp = /protocol: udp/.test(text);
  judge(`examples/${file}`, text, { file, targets: udp ? TARGET_NAMES.filter((n) => n !== 'haproxy') : TARGET_NAMES });
}

for (const overlay of [undefined, 'staging.yaml', 'prod.yaml']) {
  const base = read(environments, 'topology.yaml');
  judge(`environments/topology.yaml${overlay ? ` + ${overlay}` : ''}`, base.text, { file: base.file, targets: TARGET_NAMES, ...(overlay ? { overlays: [read(environments, overlay)] } : {}) });
}

test('every example is judged: the folder holds the examples this file lists', () => {
  assert.deepEqual(readdirSync(examples).filter((f) => f.endsWith('.yaml')).sort(), ['multi-protocol.yaml', 'sites.yaml', 'verb-app.yaml']);
});
