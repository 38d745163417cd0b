import { type Diagnostic, type LocatedDiagnostic, didYouMean, warning } from '../diagnostics.js';
import type { Topology } from '../model/topology.js';
import { TARGET_NAMES } from '../targets/index.js';
import type { TargetName } from '../targets/target.js';

type Entry = NonNullable<Topology['acceptedGaps']>[number];

/** `pools.*.healthCheck` → a whole-path pattern in which `*` is one name or one index. */
function pattern(path: string): RegExp {
  const escaped = path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^.[\\]]+');
  return new RegExp(`^${escaped}$`);
}

/**
 * Marks each warning that an acceptedGaps entry names (its target, its path), so that --strict
 * leaves it a warning; errors are never accepted. Returns the entries that matched nothing, as
 * warnings at the entry: an accepted gap that a change closed, or a path that moved (routes
 * reordered), must not stay silently in the file.
 */
export function acceptGaps(
  located: readonly LocatedDiagnostic[],
  entries: readonly Entry[] | undefined,
  targets: readonly TargetName[],
): { diagnostics: LocatedDiagnostic[]; stale: Diagnostic[] } {
  if (!entries?.length) return { diagnostics: [...located], stale: [] };
  const patterns = entries.map((e) => ({ entry: e, re: pattern(e.path), used: false }));
  const diagnostics = located.map((d) => {
    if (d.severity !== 'warning') return d;
    const found = patterns.find((p) => (p.entry.target === undefined || p.entry.target === d.target) && p.re.test(d.path));
    if (!found) return d;
    found.used = true;
    return { ...d, accepted: true };
  });
  const stale: Diagnostic[] = [];
  patterns.forEach((p, i) => {
    // Stale only where the run could have seen its warning: its own target checked, or (an entry
    // of any target) all of them.
    if (p.used || (p.entry.target !== undefined ? !targets.includes(p.entry.target) : targets.length < TARGET_NAMES.length)) return;
    const candidates = [...new Set(located.filter((d) => d.severity === 'warning' && (p.entry.target === undefined || d.target === p.entry.target)).map((d) => d.path))];
    const who = p.entry.target ?? 'any target';
    const close = didYouMean(p.entry.path, candidates);
    stale.push(warning(`/acceptedGaps/${i}/path`, `${p.entry.path} matches no warning of ${who}: remove the entry, or correct its path${candidates.length ? '' : ` (${who} has no warning here)`}`,
      close ? { suggestion: `did you mean "${close}"?` } : {}));
  });
  return { diagnostics, stale };
}
