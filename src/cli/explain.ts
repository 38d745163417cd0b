import type { ChalkInstance } from 'chalk';
import { pointerToPath } from '../diagnostics.js';
import type { Analysis } from '../pipeline.js';
import type { Outcome, TargetName } from '../targets/target.js';

/** One feature at one place of the topology, and how each target realises it. */
export type ExplainRow = {
  readonly feature: string;
  readonly path: string;
  readonly pointer: string;
  /** Where the field is written; null for a default the file does not write. */
  readonly line: number | null;
  /** With overlays (`-f`) only: the file that writes the field (null for a default). */
  readonly file?: string | null;
  readonly targets: Partial<Record<TargetName, { readonly outcome: Outcome; readonly note: string }>>;
};

/** The same decisions produce render's warnings, so explain and render never disagree. */
export function explainRows(analysis: Analysis): ExplainRow[] {
  const merged = analysis.files.length > 1;
  type Found = { feature: string; pointer: string; targets: Partial<Record<TargetName, { outcome: Outcome; note: string }>> };
  const found = new Map<string, Found>();
  for (const { target, decisions } of analysis.decisions) {
    for (const d of decisions) {
      const key = `${d.feature}\u0000${d.pointer}`;
      let row = found.get(key);
      if (!row) found.set(key, (row = { feature: d.feature, pointer: d.pointer, targets: {} }));
      row.targets[target] ??= { outcome: d.outcome, note: d.note };
    }
  }
  // The fields the file writes, located all at once (one pass over the file).
  const written = [...found.values()].filter((row) => analysis.loaded.written(row.pointer));
  const places = new Map(analysis.loaded.locateEach(written).map((place, i) => [written[i]!, place]));
  const rows = [...found.values()].map((row): ExplainRow => {
    const at = places.get(row);
    return { feature: row.feature, path: pointerToPath(row.pointer), pointer: row.pointer, line: at?.line ?? null, ...(merged ? { file: at ? at.file ?? analysis.loaded.file : null } : {}), targets: row.targets };
  });
  // Defaults first, then in file order (the base's fields, then each overlay's).
  const fileOrder = (row: ExplainRow) => (row.file ? analysis.files.indexOf(row.file) : -1);
  return rows.sort((a, b) => fileOrder(a) - fileOrder(b) || (a.line ?? 0) - (b.line ?? 0) || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
}

/** A block per row, a line per target: outcome (coloured on a terminal) and how. */
export function explainTable(rows: readonly ExplainRow[], c: ChalkInstance): string {
  const paint: Record<Outcome, (s: string) => string> = { native: c.green, approximated: c.yellow, unsupported: c.red };
  const out: string[] = [];
  for (const row of rows) {
    out.push(`${c.bold(row.feature)}  ${row.path} (${row.line === null ? 'default' : `${row.file ? `${row.file} ` : ''}line ${row.line}`})`);
    for (const [target, d] of Object.entries(row.targets)) out.push(`  ${target.padEnd(14)}  ${paint[d.outcome](d.outcome.padEnd(12))}  ${d.note}`);
  }
  return `${out.join('\n')}\n`;
}
