import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocatedDiagnostic } from '../diagnostics.js';
import { VERSION } from '../version.js';
import { sha256Hex } from '../digest.js';

/**
 * The CI formats of `--format`: GitHub Actions workflow commands (annotations on the pull
 * request's lines) and SARIF 2.1.0 (code scanning). Both take the same located diagnostics as the
 * text and JSON forms, drift and --verify findings included.
 */

/**
 * A file as a CI service names it: relative to the repository's root. lbgen runs from that root
 * in the examples, and names files as it was given them; an absolute path inside the checkout
 * ($GITHUB_WORKSPACE, $CI_PROJECT_DIR on GitLab) is made relative to it, since GitHub places an
 * annotation only on a path relative to the repository. `./x` is `x`; `\` is `/`.
 */
export function repoPath(file: string, env: NodeJS.ProcessEnv = process.env): string {
  let path = file;
  for (const root of [env.GITHUB_WORKSPACE, env.CI_PROJECT_DIR]) {
    if (root && isAbsolute(path)) {
      const inside = relative(root, path);
      if (inside && !inside.startsWith('..') && !isAbsolute(inside)) path = inside;
    }
  }
  path = path.split(sep).join('/');
  while (path.startsWith('./')) path = path.slice(2);
  return path;
}

/** The message a reader needs, the suggested fix after it as in the text form. */
const fullMessage = (d: LocatedDiagnostic) => (d.suggestion ? `${d.message} (${d.suggestion})` : d.message);

// --- GitHub Actions workflow commands -----------------------------------------------------------

/**
 * The escaping of the runner's command parser (actions/runner ActionCommand): in the message,
 * `%`, CR and LF; in a property, also `:` and `,`, which end a property there. `%` first, so that
 * the escapes themselves are not escaped again. A message can then never end its line early: no
 * topology value can start a workflow command of its own.
 */
export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * One `::error` or `::warning` line per diagnostic on its file, line and column. Warnings that say
 * the same thing at many places (report's `groups`) are one annotation at the first place naming
 * the others: GitHub shows at most 10 warning annotations of a step on the pull request, and a
 * real problem must not be lost behind 2,000 copies of one remark.
 */
export function githubCommands(groups: readonly (readonly LocatedDiagnostic[])[]): string {
  let out = '';
  for (const group of groups) {
    const d = group[0]!;
    const props = [`file=${repoPath(d.file)}`, `line=${d.line}`, `col=${d.column}`, `title=${d.path}`].map((p) => {
      const eq = p.indexOf('=');
      return `${p.slice(0, eq)}=${escapeProperty(p.slice(eq + 1))}`;
    });
    out += `::${d.severity} ${props.join(',')}::${escapeData(fullMessage(d) + alsoAt(group))}\n`;
  }
  return out;
}

const PLACES_NAMED = 5;

function alsoAt(group: readonly LocatedDiagnostic[]): string {
  if (group.length < 2) return '';
  const rest = group.slice(1);
  const places = rest.slice(0, PLACES_NAMED).map((d) => `${d.path} (line ${d.line})`).join(', ');
  return ` (and ${rest.length} more: ${places}${rest.length > PLACES_NAMED ? ', …' : ''})`;
}

/**
 * Text that quotes files (a drift's diff, explain's table) printed where the runner reads
 * commands: between `::stop-commands::TOKEN` and `::TOKEN::` no line is a command, whatever a
 * checked-in file holds. The token is a digest of the text itself, so the output stays the same
 * for the same input and the text cannot name its own token.
 */
export function githubVerbatim(text: string): string {
  if (text === '') return '';
  const token = `lbgen-${sha256Hex(text).slice(0, 32)}`;
  return `::stop-commands::${token}\n${text}${text.endsWith('\n') ? '' : '\n'}::${token}::\n`;
}

// --- SARIF 2.1.0 --------------------------------------------------------------------------------

/** The OASIS schema the log declares (SARIF 2.1.0, errata 01). */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

type Rule = { id: string; name: string; short: string; full: string };

/**
 * One rule per kind of finding, so that code scanning groups alerts by what to do about them.
 * The list is fixed (not only the rules a run used): a rule's index is the same in every log.
 */
const RULES: readonly Rule[] = [
  { id: 'topology', name: 'TopologyProblem', short: 'The topology file breaks the schema, a reference or a cross-field rule, or asks for something questionable.', full: 'A problem in the topology itself: a value the schema refuses, a reference to something that does not exist, or a combination of fields that cannot work. Fix the field the result points at.' },
  { id: 'target-gap', name: 'TargetGap', short: 'A target cannot realise a feature of the topology exactly.', full: 'nginx, HAProxy or the AWS ALB renders a feature approximately or not at all, or a target\'s limit applies. `lbgen explain` says how each target realises each feature.' },
  { id: 'drift', name: 'OutputDrift', short: 'A rendered file differs from what lbgen render would write.', full: 'The checked-in output is out of date with the topology (or was edited by hand): run `lbgen render` and commit the result.' },
  { id: 'verify', name: 'ValidatorFinding', short: 'A real validator (nginx -t, haproxy -c, cfn-lint) rejected or warned about a rendered file.', full: 'The finding of the validator that `lbgen render --verify` ran on the written file, at the line it names.' },
  { id: 'templates', name: 'UnusedTemplate', short: 'A file in the --templates folder replaces no built-in template.', full: 'A template override that is never used, most often a misspelt file name.' },
];

function ruleOf(d: LocatedDiagnostic): number {
  const id = d.source ?? (d.path === '(templates)' ? 'templates' : d.target ? 'target-gap' : 'topology');
  return RULES.findIndex((r) => r.id === id);
}

/** A relative path as a relative URI reference (each segment percent-encoded), an absolute one as a file: URI. */
function uriOf(file: string): string {
  const path = repoPath(file);
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * A SARIF 2.1.0 log of one run: every diagnostic a result at its file, line and column (SARIF is
 * data, like --format json: nothing is grouped or left out), its place in the topology as a
 * logical location. No timestamps and no absolute paths of this machine: the same input gives the
 * same bytes.
 */
export function sarifLog(diagnostics: readonly LocatedDiagnostic[]): Record<string, unknown> {
  const results = diagnostics.map((d) => {
    const ruleIndex = ruleOf(d);
    const physical = d.file === '<stdin>' ? [] : [{ physicalLocation: { artifactLocation: { uri: uriOf(d.file) }, region: { startLine: d.line, startColumn: d.column } } }];
    const logical = d.pointer === '' ? {} : { logicalLocations: [{ fullyQualifiedName: d.path, kind: 'member' }] };
    return {
      ruleId: RULES[ruleIndex]!.id,
      ruleIndex,
      level: d.severity,
      message: { text: fullMessage(d) },
      locations: [{ ...physical[0], ...logical }].filter((l) => Object.keys(l).length > 0),
      properties: {
        path: d.path,
        pointer: d.pointer,
        ...(d.target ? { target: d.target } : {}),
        ...(d.strict ? { strict: true } : {}),
      },
    };
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'lbgen',
          version: VERSION,
          semanticVersion: VERSION,
          rules: RULES.map((r) => ({
            id: r.id,
            name: r.name,
            shortDescription: { text: r.short },
            fullDescription: { text: r.full },
            help: { text: r.full },
            defaultConfiguration: { level: r.id === 'target-gap' || r.id === 'templates' ? 'warning' : 'error' },
          })),
        },
      },
      columnKind: 'utf16CodeUnits',
      results,
    }],
  };
}
