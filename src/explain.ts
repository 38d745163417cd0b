import type { ChalkInstance } from 'chalk';
import { pointerToPath } from './diagnostics.js';
import type { Analysis } from './pipeline.js';

/**
 * One block per place in the topology that uses a feature, one line per target: its outcome and how.
 * The same decisions produce render's warnings, so the two never disagree.
 */
export function explainTable(analysis: Analysis, c: ChalkInstance): string {
  const rows = new Map<string, { feature: string; path: string; line: number; perTarget: [string, string, string][] }>();
  for (const { target, decisions } of analysis.decisions) {
    for (const d of decisions) {
      const key = `${d.feature}\u0000${d.pointer}`;
      let row = rows.get(key);
      if (!row) {
        row = { feature: d.feature, path: pointerToPath(d.pointer), line: analysis.loaded.locate(d.pointer).line, perTarget: [] };
        rows.set(key, row);
      }
      row.perTarget.push([target, d.outcome, d.note]);
    }
  }
  const paint = { native: c.green, approximated: c.yellow, unsupported: c.red } as Record<string, (s: string) => string>;
  const width = Math.max(0, ...analysis.decisions.map((d) => d.target.length));
  const out: string[] = [];
  for (const row of [...rows.values()].sort((a, b) => a.line - b.line || (a.feature < b.feature ? -1 : 1))) {
    out.push(`${c.bold(row.feature)}  ${row.path} (line ${row.line})`);
    for (const [target, outcome, note] of row.perTarget) {
      out.push(`  ${target.padEnd(width)}  ${paint[outcome]!(outcome.padEnd(12))}  ${note}`);
    }
  }
  return `${out.join('\n')}\n`;
}
