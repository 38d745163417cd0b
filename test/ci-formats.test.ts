/**
 * --format github and --format sarif (issue 18): annotations a GitHub runner places on the pull
 * request's lines, and a SARIF 2.1.0 log that the schema and Microsoft's SARIF Multitool (the
 * SARIF SDK's validator, with its GitHub ingestion rules) accept; on the reference topology, on an
 * invalid one, on drift and on --verify's findings.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { escapeData, escapeProperty, githubVerbatim } from '../src/cli/ci-formats.js';
import { EXAMPLE, lbgen, tempDir } from './helpers/cli.js';
import { requireTool } from './helpers/validators.js';

const require = createRequire(import.meta.url);

/** An invalid topology: an unknown balance and a route to a pool that does not exist. */
const BAD = 'version: 1\nname: x\nservers:\n  a: { address: 10.0.0.1, port: 3000 }\npools:\n  p: { servers: [a], balance: fastest }\nroutes:\n  - { path: /, pool: q }\n';

type Command = { name: string; props: Record<string, string>; data: string };

/**
 * A line read as the Actions runner reads it (actions/runner ActionCommand.TryParseV2): `::`, the
 * name, properties split at `,` and at their first `=`, `::`, the message; then unescaped with the
 * runner's mappings, `%25` last.
 */
function parseCommand(line: string): Command | undefined {
  const text = line.trimStart();
  if (!text.startsWith('::')) return undefined;
  const end = text.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = text.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  const unescape = (s: string, mappings: [string, string][]) => mappings.reduce((acc, [from, to]) => acc.split(from).join(to), s);
  const data: [string, string][] = [['%0D', '\r'], ['%0A', '\n'], ['%25', '%']];
  const prop: [string, string][] = [['%0D', '\r'], ['%0A', '\n'], ['%3A', ':'], ['%2C', ','], ['%25', '%']];
  const props: Record<string, string> = {};
  if (space > 0) {
    for (const p of info.slice(space + 1).trim().split(',').filter(Boolean)) {
      const eq = p.indexOf('=');
      if (eq > 0) props[p.slice(0, eq)] = unescape(p.slice(eq + 1), prop);
    }
  }
  return { name, props, data: unescape(text.slice(end + 2), data) };
}

/** Every line the runner would take as a command, with stop-commands honoured as the runner does. */
function commandsOf(output: string): Command[] {
  const found: Command[] = [];
  let stoppedBy: string | undefined;
  for (const line of output.split('\n')) {
    const c = parseCommand(line);
    if (!c) continue;
    if (stoppedBy !== undefined) {
      if (c.name === stoppedBy) stoppedBy = undefined;
      continue;
    }
    if (c.name === 'stop-commands') stoppedBy = c.data;
    else found.push(c);
  }
  return found;
}

type JsonDiagnostic = { severity: string; file: string; line: number; column: number; path: string; message: string; suggestion?: string };
const full = (d: JsonDiagnostic) => (d.suggestion ? `${d.message} (${d.suggestion})` : d.message);

test('escaping: %, CR and LF in a message; also : and , in a property; read back as the runner reads them', () => {
  const nasty = 'a%0A b:c,d\r\n::error::e 100%';
  assert.equal(escapeData(nasty), 'a%250A b:c,d%0D%0A::error::e 100%25');
  assert.equal(escapeProperty(nasty), 'a%250A b%3Ac%2Cd%0D%0A%3A%3Aerror%3A%3Ae 100%25');
  const line = `::warning file=${escapeProperty(nasty)},line=3::${escapeData(nasty)}`;
  assert.equal(line.split('\n').length, 1, 'one line whatever the text');
  assert.deepEqual(parseCommand(line), { name: 'warning', props: { file: nasty, line: '3' }, data: nasty });
});

test('github, reference topology: a warning annotation per group at its file, line and column; exit 0', () => {
  const r = lbgen(['validate', 'examples/verb-app.yaml', '--format', 'github']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(lbgen(['validate', 'examples/verb-app.yaml', '--format', 'json']).stdout) as JsonDiagnostic[];
  const lines = r.stdout.trimEnd().split('\n');
  const commands = commandsOf(r.stdout);
  assert.equal(commands.length, lines.length, 'every stdout line is a workflow command');
  assert.ok(commands.length > 0 && commands.every((c) => c.name === 'warning'), r.stdout);
  for (const c of commands) {
    // Each annotation is a diagnostic of the JSON list, at the same place, with the same message.
    const d = json.find((x) => x.path === c.props.title && String(x.line) === c.props.line && String(x.column) === c.props.col && c.data.startsWith(full(x)));
    assert.ok(d, `no diagnostic at ${JSON.stringify(c.props)} saying ${c.data}`);
    assert.equal(c.props.file, 'examples/verb-app.yaml');
  }
  // The health check warning of three pools is one annotation naming the other two places.
  assert.ok(commands.length < json.length, `${commands.length} annotations for ${json.length} diagnostics`);
  assert.match(r.stdout, /^::warning file=examples\/verb-app\.yaml,line=\d+,col=\d+,title=pools\.http\.healthCheck::nginx open source has no active health checks.* \(and 2 more: pools\.api\.healthCheck \(line \d+\), pools\.websocket\.healthCheck \(line \d+\)\)$/m);
  assert.match(r.stderr, /^examples\/verb-app\.yaml: valid for nginx, haproxy, cloudformation: 0 errors, \d+ warnings/m, 'the count still said in the log');
  assert.equal(lbgen(['validate', 'examples/verb-app.yaml', '--format', 'github', '--quiet']).stdout, '', '--quiet: errors only');
});

test('github, invalid topology: an error annotation per error; a file name with , : and % survives; exit 1', () => {
  const dir = tempDir();
  const name = 'stage,eu:1 100%.yaml';
  writeFileSync(join(dir, name), BAD);
  const r = lbgen(['validate', name, '--format', 'github'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.deepEqual(commandsOf(r.stdout), [
    { name: 'error', props: { file: name, line: '6', col: '31', title: 'pools.p.balance' }, data: 'must be one of round-robin, least-connections, source-ip-hash (got "fastest")' },
    { name: 'error', props: { file: name, line: '8', col: '22', title: 'routes[0].pool' }, data: 'no pool named "q" (did you mean "p"?)' },
  ]);
  assert.match(r.stdout, /^::error file=stage%2Ceu%3A1 100%25\.yaml,line=6,col=31,title=pools\.p\.balance::/m);
  assert.match(r.stderr, /invalid: 2 errors/);
  // The same through render and check: nothing written, the same annotations.
  assert.deepEqual(commandsOf(lbgen(['render', name, '-o', 'out', '--format', 'github'], { cwd: dir }).stdout), commandsOf(r.stdout));
  assert.deepEqual(commandsOf(lbgen(['check', name, '-o', 'out', '--format', 'github'], { cwd: dir }).stdout), commandsOf(r.stdout));
});

test('github: an absolute path inside $GITHUB_WORKSPACE is named from the repository root', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 't.yaml'), BAD);
  const r = lbgen(['validate', join(dir, 't.yaml'), '--format', 'github'], { env: { GITHUB_WORKSPACE: dir } });
  assert.deepEqual(commandsOf(r.stdout).map((c) => c.props.file), ['t.yaml', 't.yaml']);
});

test('github, drift: an error at the first differing line of the checked-in file; the diff follows where no line is a command', () => {
  const dir = tempDir();
  assert.equal(lbgen(['render', EXAMPLE, '-t', 'nginx,haproxy', '-o', join(dir, 'out')]).code, 0);
  const conf = join(dir, 'out', 'nginx.conf');
  const rendered = readFileSync(conf, 'utf8');
  // A hand edit, and a line that would be a command if the diff were printed bare.
  writeFileSync(conf, rendered.replace('least_conn;', 'ip_hash;\n::error file=x::injected'));
  const changedAt = rendered.split('\n').findIndex((l) => l.includes('least_conn;')) + 1;
  const r = lbgen(['check', EXAMPLE, '-t', 'nginx,haproxy', '-o', 'out', '--format', 'github'], { cwd: dir });
  assert.equal(r.code, 1);
  const commands = commandsOf(r.stdout).filter((c) => c.name === 'error');
  assert.deepEqual(commands, [{ name: 'error', props: { file: 'out/nginx.conf', line: String(changedAt), col: '1', title: '(output)' }, data: 'differs from what render would write' }]);
  assert.doesNotMatch(JSON.stringify(commandsOf(r.stdout)), /injected/);
  assert.match(r.stdout, /^::stop-commands::lbgen-[0-9a-f]{32}\n=+\n--- out\/nginx\.conf\n[^]*^-::error file=x::injected\n\+\s+least_conn;\n[^]*^::lbgen-[0-9a-f]{32}::\n$/m);
  assert.match(r.stderr, /^out: 1 file drifted from/m);
  // A missing file is an error at its first line.
  const missing = lbgen(['check', EXAMPLE, '-t', 'nginx', '-o', 'empty', '--format', 'github'], { cwd: dir });
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /^::error file=empty\/nginx\.conf,line=1,col=1,title=\(output\)::missing: render would write it$/m);
});

test('githubVerbatim: the same text gives the same token; the text cannot end the block early', () => {
  const text = 'a\n::error::x\n';
  assert.equal(githubVerbatim(text), githubVerbatim(text));
  assert.equal(githubVerbatim(''), '');
  assert.deepEqual(commandsOf(githubVerbatim(text)), []);
});

test('github, render: annotations on stdout, the files written said on stderr', () => {
  const dir = tempDir();
  const r = lbgen(['render', EXAMPLE, '-t', 'nginx', '-o', join(dir, 'out'), '--format', 'github']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(commandsOf(r.stdout).length > 0 && commandsOf(r.stdout).every((c) => c.name === 'warning'));
  assert.match(r.stderr, /^wrote .*nginx\.conf/m);
});

test('explain: github wraps the table so no line of it is a command; sarif is a usage error that names validate', () => {
  const g = lbgen(['explain', EXAMPLE, '-t', 'nginx', '--format', 'github']);
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /^::stop-commands::lbgen-[0-9a-f]{32}\n[^]*healthCheck[^]*::lbgen-[0-9a-f]{32}::\n$/);
  assert.deepEqual(commandsOf(g.stdout), []);
  const s = lbgen(['explain', EXAMPLE, '--format', 'sarif']);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /^lbgen: explain prints a table, not findings: use lbgen validate --format sarif/);
  // An invalid topology: explain's errors are annotations.
  const dir = tempDir();
  writeFileSync(join(dir, 't.yaml'), BAD);
  const bad = lbgen(['explain', 't.yaml', '--format', 'github'], { cwd: dir });
  assert.equal(bad.code, 1);
  assert.equal(commandsOf(bad.stdout).length, 2);
});

// --- SARIF ---------------------------------------------------------------------------------------

const MULTITOOL_DIR = dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json'));

/** The SARIF 2.1.0 schema that ships with Microsoft's SARIF Multitool (JSON Schema 2020-12). */
function sarifSchemaValidator(): (data: unknown) => string[] {
  const schema = JSON.parse(readFileSync(join(MULTITOOL_DIR, 'sarif-2.1.0.json'), 'utf8')) as { title: string };
  assert.equal(schema.title, 'Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema');
  type Validate = ((d: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
  const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (o: object) => { compile: (s: object) => Validate } }).default;
  const addFormats = (require('ajv-formats') as { default: (ajv: object) => void }).default;
  // strict: false, as the schema uses keywords of its own era; every format it names is checked.
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

/**
 * The Multitool's own verdict: the schema and its SARIF rules, with those GitHub applies on
 * upload (rule kind Gh). Run from a copy where the installed binary is not executable by this
 * user (npm's postinstall gives the owner alone the x bit).
 */
let multitoolBin: string | undefined;
function multitool(sarifFile: string): { ruleId: string; level: string; text: string }[] {
  if (multitoolBin === undefined) {
    multitoolBin = join(MULTITOOL_DIR, 'Sarif.Multitool');
    try {
      accessSync(multitoolBin, constants.X_OK);
    } catch {
      const copy = join(tempDir('lbgen-sarif-'), 'Sarif.Multitool');
      copyFileSync(multitoolBin, copy);
      chmodSync(copy, 0o755);
      multitoolBin = copy;
    }
  }
  const bin = multitoolBin;
  const out = join(dirname(sarifFile), 'multitool.sarif');
  const r = spawnSync(bin, ['validate', sarifFile, '-o', out, '--rule-kind', 'Sarif;Gh', '--log', 'ForceOverwrite'], { encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const log = JSON.parse(readFileSync(out, 'utf8')) as { runs: { results?: { ruleId: string; level?: string; message: { arguments?: string[] } }[] }[] };
  return (log.runs[0]!.results ?? []).map((x) => ({ ruleId: x.ruleId, level: x.level ?? 'warning', text: (x.message.arguments ?? []).join(' ') }));
}

/**
 * The one remark the Multitool makes: the driver names no informationUri. lbgen has no public
 * home page to name, and naming one it does not have would be worse than none.
 */
const ACCEPTED = new Set(['SARIF2005']);

type Sarif = {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string }[] } };
    results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: { physicalLocation?: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } }; logicalLocations?: { fullyQualifiedName: string }[] }[] }[];
  }[];
};

function checkSarif(stdout: string, dir: string, label: string): Sarif {
  const log = JSON.parse(stdout) as Sarif;
  assert.deepEqual(sarifSchemaValidator()(log), [], `${label}: schema`);
  const file = join(dir, `${label}.sarif`);
  writeFileSync(file, stdout);
  const findings = multitool(file).filter((f) => !ACCEPTED.has(f.ruleId));
  assert.deepEqual(findings, [], `${label}: SARIF Multitool`);
  return log;
}

test('sarif, reference topology: schema-valid, the Multitool and GitHub rules satisfied, a result per diagnostic; exit 0', () => {
  const dir = tempDir();
  const r = lbgen(['validate', 'examples/verb-app.yaml', '--format', 'sarif']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'nothing but the log');
  const log = checkSarif(r.stdout, dir, 'reference');
  assert.equal(log.version, '2.1.0');
  const run = log.runs[0]!;
  assert.equal(run.tool.driver.name, 'lbgen');
  const json = JSON.parse(lbgen(['validate', 'examples/verb-app.yaml', '--format', 'json']).stdout) as JsonDiagnostic[];
  assert.equal(run.results.length, json.length, 'nothing grouped or left out');
  run.results.forEach((res, i) => {
    const d = json[i]!;
    assert.equal(res.level, d.severity);
    assert.equal(res.message.text, full(d));
    assert.equal(run.tool.driver.rules[res.ruleIndex]!.id, res.ruleId);
    assert.deepEqual(res.locations[0]!.physicalLocation, { artifactLocation: { uri: 'examples/verb-app.yaml' }, region: { startLine: d.line, startColumn: d.column } });
    assert.deepEqual(res.locations[0]!.logicalLocations, [{ fullyQualifiedName: d.path, kind: 'member' }]);
  });
  assert.ok(run.results.every((x) => x.ruleId === 'target-gap' || x.ruleId === 'topology'));
  assert.equal(lbgen(['validate', 'examples/verb-app.yaml', '--format', 'sarif']).stdout, r.stdout, 'the same bytes each run');
});

test('sarif, invalid topology and drift: error results at their places, URIs encoded; exit 1', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'my topology#1.yaml'), BAD);
  const r = lbgen(['validate', 'my topology#1.yaml', '--format', 'sarif'], { cwd: dir });
  assert.equal(r.code, 1);
  const bad = checkSarif(r.stdout, dir, 'invalid').runs[0]!.results;
  assert.deepEqual(bad.map((x) => [x.ruleId, x.level, x.locations[0]!.physicalLocation!.artifactLocation.uri, x.locations[0]!.physicalLocation!.region.startLine, x.message.text]), [
    ['topology', 'error', 'my%20topology%231.yaml', 6, 'must be one of round-robin, least-connections, source-ip-hash (got "fastest")'],
    ['topology', 'error', 'my%20topology%231.yaml', 8, 'no pool named "q" (did you mean "p"?)'],
  ]);

  assert.equal(lbgen(['render', EXAMPLE, '-t', 'nginx', '-o', 'out'], { cwd: dir }).code, 0);
  const conf = join(dir, 'out', 'nginx.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('least_conn;', 'ip_hash;'));
  const drift = lbgen(['check', EXAMPLE, '-t', 'nginx', '-o', 'out', '--format', 'sarif'], { cwd: dir });
  assert.equal(drift.code, 1);
  const results = checkSarif(drift.stdout, dir, 'drift').runs[0]!.results.filter((x) => x.ruleId === 'drift');
  assert.equal(results.length, 1);
  assert.equal(results[0]!.locations[0]!.physicalLocation!.artifactLocation.uri, 'out/nginx.conf');
  assert.match(drift.stderr, /^\+\s+least_conn;$/m, 'the diff on stderr, stdout the log alone');
});

test('sarif: standard input has no file to point at, only its place in the topology', () => {
  const dir = tempDir();
  const r = lbgen(['validate', '-', '--format', 'sarif'], { input: BAD });
  assert.equal(r.code, 1);
  const results = checkSarif(r.stdout, dir, 'stdin').runs[0]!.results;
  assert.deepEqual(results.map((x) => x.locations), [[{ logicalLocations: [{ fullyQualifiedName: 'pools.p.balance', kind: 'member' }] }], [{ logicalLocations: [{ fullyQualifiedName: 'routes[0].pool', kind: 'member' }] }]]);
});

test('github and sarif, render --verify: a validator\'s findings are errors at the written file', { skip: requireTool('nginx') ?? false }, () => {
  const dir = tempDir();
  // A certificate that is not on this machine: nginx -t refuses the file, on any machine.
  writeFileSync(join(dir, 't.yaml'), 'version: 1\nname: x\nlisten: { http: 80, https: 443 }\ntls: { certificate: /nonexistent/lbgen/fullchain.pem, key: /nonexistent/lbgen/privkey.pem, bundle: /nonexistent/lbgen/bundle.pem }\nservers:\n  a: { address: 127.0.0.1, port: 3000 }\npools:\n  p: { servers: [a] }\nroutes:\n  - { path: /, pool: p }\n');
  const g = lbgen(['render', 't.yaml', '-t', 'nginx', '-o', 'out', '--verify', '--format', 'github'], { cwd: dir });
  assert.equal(g.code, 1, g.stderr);
  const errors = commandsOf(g.stdout).filter((c) => c.name === 'error');
  assert.ok(errors.length > 0 && errors.every((c) => c.props.file === 'out/nginx.conf' && c.data.startsWith('nginx: ')), g.stdout);
  assert.ok(errors.some((c) => c.data.includes('cannot load certificate "/nonexistent/lbgen/fullchain.pem"')), g.stdout);
  const s = lbgen(['render', 't.yaml', '-t', 'nginx', '-o', 'out', '--verify', '--format', 'sarif'], { cwd: dir });
  assert.equal(s.code, 1, s.stderr);
  const verified = checkSarif(s.stdout, dir, 'verify').runs[0]!.results.filter((x) => x.ruleId === 'verify');
  assert.ok(verified.length > 0 && verified.every((x) => x.level === 'error' && x.locations[0]!.physicalLocation!.artifactLocation.uri === 'out/nginx.conf'));
});

test('validate takes several files (as a pre-commit hook passes them): each counted, one report in the machine formats, exit 1 when any is invalid', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'bad.yaml'), BAD);
  copyFileSync(EXAMPLE, join(dir, 'good.yaml'));
  const text = lbgen(['validate', 'good.yaml', 'bad.yaml', '-t', 'nginx'], { cwd: dir });
  assert.equal(text.code, 1);
  assert.match(text.stderr, /^good\.yaml: valid for nginx: 0 errors, \d+ warnings/m);
  assert.match(text.stderr, /^bad\.yaml:8:22: error: routes\[0\]\.pool: no pool named "q"/m);
  assert.match(text.stderr, /^bad\.yaml: invalid: 2 errors, 0 warnings$/m);
  assert.equal(lbgen(['validate', 'good.yaml', 'good.yaml', '-t', 'nginx'], { cwd: dir }).code, 0);
  const json = JSON.parse(lbgen(['validate', 'good.yaml', 'bad.yaml', '-t', 'nginx', '--format', 'json'], { cwd: dir }).stdout) as JsonDiagnostic[];
  assert.deepEqual([...new Set(json.map((d) => d.file))], ['good.yaml', 'bad.yaml']);
  const sarif = JSON.parse(lbgen(['validate', 'good.yaml', 'bad.yaml', '-t', 'nginx', '--format', 'sarif'], { cwd: dir }).stdout) as Sarif;
  assert.equal(sarif.runs.length, 1);
  assert.equal(sarif.runs[0]!.results.length, json.length);
  const twice = lbgen(['validate', '-', '-'], { input: BAD });
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /^lbgen: standard input \(-\) can be read once$/m);
});
