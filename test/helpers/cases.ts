/** The golden scenarios: test/cases/<name>/topology.yaml, with expected outputs under expected/. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LbgenError, formatDiagnostic, type LocatedDiagnostic } from '../../src/diagnostics.js';
import { analyse, generate } from '../../src/pipeline.js';
import type { Model } from '../../src/model/model.js';
import type { RenderedFile, TargetName } from '../../src/targets/target.js';
import { TARGETS, TARGET_NAMES } from '../../src/targets/index.js';
import { packageRoot } from '../../src/paths.js';

export const casesDir = join(packageRoot, 'test', 'cases');

export function caseNames(): string[] {
  return readdirSync(casesDir).filter((n) => existsSync(join(casesDir, n, 'topology.yaml'))).sort();
}

export const readCase = (name: string): string => readFileSync(join(casesDir, name, 'topology.yaml'), 'utf8');

export type CaseOutput = {
  /** Diagnostics that do not depend on a target (schema, rules), or the errors of an invalid case. */
  common: LocatedDiagnostic[];
  invalid: boolean;
  model: Model | null;
  perTarget: Map<TargetName, { files: readonly RenderedFile[]; diagnostics: LocatedDiagnostic[] } | { error: LocatedDiagnostic[] }>;
  /** Files that serve several targets (prometheus-rules.yaml), from a render of every target that renders. */
  companions: readonly RenderedFile[];
};

/** Render a case target by target, so each target's goldens stand on their own. */
export function renderCase(name: string, targets: readonly TargetName[] = TARGET_NAMES): CaseOutput {
  const text = readCase(name);
  const file = 'topology.yaml';
  let base;
  try {
    base = analyse(text, { file, targets: [] });
  } catch (e) {
    if (!(e instanceof LbgenError)) throw e;
    return { common: [...e.diagnostics], invalid: true, model: null, perTarget: new Map(), companions: [] };
  }
  const perTarget: CaseOutput['perTarget'] = new Map();
  for (const t of targets) {
    try {
      const r = generate(text, { file, targets: [t] });
      const own = new Set(TARGETS[t].files.map((f) => f.path));
      perTarget.set(t, { files: r.files.filter((f) => own.has(f.path)), diagnostics: r.diagnostics.filter((d) => d.target === t) });
    } catch (e) {
      if (!(e instanceof LbgenError)) throw e;
      perTarget.set(t, { error: e.diagnostics.filter((d) => d.target === t) });
    }
  }
  const rendering = targets.filter((t) => !('error' in perTarget.get(t)!));
  const ownFiles = new Set(targets.flatMap((t) => TARGETS[t].files.map((f) => f.path)));
  const companions = rendering.length ? generate(text, { file, targets: rendering }).files.filter((f) => !ownFiles.has(f.path)) : [];
  return { common: [...base.diagnostics], invalid: false, model: base.model, perTarget, companions };
}

export const diagnosticsText = (list: readonly LocatedDiagnostic[]): string => list.map((d) => `${formatDiagnostic(d)}\n`).join('');
