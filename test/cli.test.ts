/** The command line as a user runs it: exit codes, streams, atomic writes. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, EXAMPLE, lbgen, plainEnv, tempDir } from './helpers/cli.js';
import { packageRoot } from '../src/paths.js';
import { requireTool } from './helpers/validators.js';

const BAD = 'version: 1\nname: x\nservers:\n  a: { address: 10.0.0.1, port: 3000 }\npools:\n  p: { servers: [a], balance: fastest }\nroutes:\n  - { path: /, pool: q }\n';

test('init writes the reference topology and refuses to overwrite without --force', () => {
  const dir = tempDir();
  assert.equal(lbgen(['init'], { cwd: dir }).code, 0);
  const written = readFileSync(join(dir, 'topology.yaml'), 'utf8');
  const schema = /^# yaml-language-server: \$schema=(.*)$/m.exec(written)![1]!;
  assert.equal(readFileSync(join(dir, schema), 'utf8'), readFileSync(join(packageRoot, 'schemas', 'topology.schema.json'), 'utf8'), 'the schema line points at the schema from where the file is');
  assert.match(written, /Render it with: lbgen render topology\.yaml$/m);
  const body = (t: string) => t.split('\n').slice(3).join('\n');
  assert.equal(body(written), body(readFileSync(EXAMPLE, 'utf8')), 'the reference topology itself');
  const again = lbgen(['init'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists: use --force/);
  assert.equal(lbgen(['init', '--force'], { cwd: dir }).code, 0);
  const piped = lbgen(['init', '-'], { cwd: dir });
  assert.equal(body(piped.stdout), body(readFileSync(EXAMPLE, 'utf8')), 'init - writes the reference to standard output');
  // Where standard output lands is unknown: no relative path to a schema, but how to get one.
  assert.match(piped.stdout, /^# Editor completion: lbgen schema > topology\.schema\.json, then make this line: # yaml-language-server: \$schema=topology\.schema\.json\n/);
  assert.match(piped.stdout, /Render it with: lbgen render <this file>$/m);
  assert.ok(!existsSync(join(dir, '-')));
  assert.equal(lbgen(['validate', '-', '--strict'], { input: piped.stdout }).code, 0, 'and it validates as it is');
});

test('validate: 0 for the example, warnings on stderr, nothing on stdout', () => {
  const r = lbgen(['validate', EXAMPLE, '-t', 'nginx']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /verb-app\.yaml:35:5: warning: pools\.http\.healthCheck: nginx open source has no active health checks/);
});

test('validate: 1 and every problem, located, for a broken topology', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 't.yaml'), BAD);
  const r = lbgen(['validate', 't.yaml'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, [
    't.yaml:6:31: error: pools.p.balance: must be one of round-robin, least-connections, source-ip-hash (got "fastest")',
    // The reference checks run on a document the schema refused, wherever its shape allows.
    't.yaml:8:22: error: routes[0].pool: no pool named "q" (did you mean "p"?)',
    't.yaml: invalid: 2 errors, 0 warnings',
    '',
  ].join('\n'));
});

test('--strict turns warnings into errors (exit 1), but those the topology accepts (acceptedGaps)', () => {
  const dir = tempDir();
  // The reference without its acceptedGaps: the same gaps, none reviewed.
  writeFileSync(join(dir, 't.yaml'), readFileSync(EXAMPLE, 'utf8').split('\nacceptedGaps:')[0]!);
  const r = lbgen(['validate', 't.yaml', '-t', 'nginx', '--strict'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /: error: pools\.http\.healthCheck: nginx open source/);
  assert.match(lbgen(['validate', 't.yaml', '-t', 'nginx'], { cwd: dir, env: { FORCE_COLOR: '1' } }).stderr, /\u001b\[33mwarning\u001b\[39m/, 'a gap nobody accepted is yellow');
  const reference = lbgen(['validate', EXAMPLE, '--strict']);
  assert.equal(reference.code, 0, reference.stderr);
  assert.match(reference.stderr, /verb-app\.yaml:35:5: warning: pools\.http\.healthCheck: nginx open source has no active health checks; .* \[accepted\]$/m, 'an accepted gap is still said');
  assert.match(reference.stderr, /valid for nginx, haproxy, cloudformation: 0 errors, 11 warnings, 11 of them accepted \(9 groups\)$/m);
  const json = JSON.parse(lbgen(['validate', EXAMPLE, '--format', 'json']).stdout) as { accepted?: boolean }[];
  assert.ok(json.length > 0 && json.every((d) => d.accepted === true), 'each marked accepted in JSON');
});

test('usage errors exit 2: missing file, unknown flag, unknown command, unknown target', () => {
  assert.equal(lbgen(['validate', 'no-such-file.yaml']).code, 2);
  assert.match(lbgen(['validate', 'no-such-file.yaml']).stderr, /cannot read no-such-file\.yaml: no such file/);
  assert.equal(lbgen(['validate', EXAMPLE, '--frobnicate']).code, 2);
  assert.equal(lbgen(['frobnicate']).code, 2);
  const t = lbgen(['validate', EXAMPLE, '-t', 'nginx,apache']);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /unknown target "apache": expected nginx, haproxy, cloudformation/);
  const typo = lbgen(['validate', EXAMPLE, '-t', 'ngnix']);
  assert.equal(typo.code, 2);
  assert.equal(typo.stderr, 'lbgen: unknown target "ngnix" (did you mean "nginx"?): expected nginx, haproxy, cloudformation\n');
});

test('--format json: a usage error is a JSON array on stdout too (on stderr under render --stdout)', () => {
  const usage = (message: string, file = '') => [{ severity: 'error', file, line: 0, column: 0, path: '(usage)', pointer: '', message }];
  const missing = lbgen(['validate', 'no-such-file.yaml', '--format', 'json']);
  assert.equal(missing.code, 2);
  assert.deepEqual(JSON.parse(missing.stdout), usage('cannot read no-such-file.yaml: no such file', 'no-such-file.yaml'));
  assert.match(missing.stderr, /^lbgen: cannot read no-such-file\.yaml: no such file$/m, 'and the line a person reads, on stderr');
  const before = lbgen(['--format=json', 'explain', EXAMPLE, '-t', 'ngnix']);
  assert.equal(before.code, 2);
  assert.deepEqual(JSON.parse(before.stdout), usage('unknown target "ngnix" (did you mean "nginx"?): expected nginx, haproxy, cloudformation'));
  const flag = lbgen(['validate', EXAMPLE, '--frmat', 'json', '--format', 'json']);
  assert.equal(flag.code, 2);
  assert.deepEqual(JSON.parse(flag.stdout), usage("unknown option '--frmat' (Did you mean --format?)"));
  const required = lbgen(['check', EXAMPLE, '--format', 'json']);
  assert.equal(required.code, 2);
  assert.deepEqual(JSON.parse(required.stdout), usage("required option '-o, --out <dir>' not specified"));
  const stdout = lbgen(['render', 'no-such-file.yaml', '-t', 'nginx', '--stdout', '--format', 'json']);
  assert.equal(stdout.code, 2);
  assert.equal(stdout.stdout, '', 'stdout is for the config alone');
  assert.deepEqual(JSON.parse(stdout.stderr.slice(stdout.stderr.indexOf('['))), usage('cannot read no-such-file.yaml: no such file', 'no-such-file.yaml'));
  assert.equal(lbgen(['validate', 'no-such-file.yaml']).stdout, '', 'as text, nothing on stdout');
});

test('each command\'s --help lists the global flags, <file> and -, what is required, the exit codes', () => {
  for (const command of ['init', 'validate', 'render', 'check', 'explain', 'schema']) {
    const help = lbgen([command, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Global Options:\n(.*\n)*  --format <format> +diagnostics format/m, `${command}: the global flags`);
    assert.match(help.stdout, /^  --quiet +print errors only$/m, command);
    assert.match(help.stdout, /^Exit codes:\n  0 .*\n(  [12] .*\n)+  70 internal error/m, `${command}: the exit codes`);
    if (command !== 'init' && command !== 'schema') {
      assert.match(help.stdout, /^  file +topology file; - for standard input$/m, command);
      assert.match(help.stdout, /^<file> may be - to read the topology from standard input/m, command);
      assert.match(help.stdout, command === 'check' ? /^Required: <file> and -o, --out <dir>\.$/m : /^Required: <file>\.$/m, command);
    }
  }
  assert.match(lbgen(['init', '--help']).stdout, /^init - writes the topology to standard output\.$/m);
  assert.match(lbgen(['check', '--help']).stdout, /^  -o, --out <dir> +output folder to compare \(required\)$/m);
});

test('render writes atomically; on an invalid topology nothing changes in the output folder', () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  const ok = lbgen(['render', EXAMPLE, '-t', 'nginx', '-o', out]);
  assert.equal(ok.code, 0, ok.stderr);
  const before = readFileSync(join(out, 'nginx.conf'), 'utf8');
  writeFileSync(join(dir, 'bad.yaml'), BAD);
  assert.equal(lbgen(['render', join(dir, 'bad.yaml'), '-t', 'nginx', '-o', out]).code, 1);
  assert.equal(readFileSync(join(out, 'nginx.conf'), 'utf8'), before);
  assert.deepEqual(readdirSync(out), ['nginx.conf'], 'no temporary file left behind');
});

test('-t repeated adds targets, as a comma list does; --stdout counts them all', () => {
  for (const flags of [['-t', 'nginx', '-t', 'haproxy'], ['-t', 'nginx,haproxy'], ['-t', 'haproxy', '-t', 'nginx', '-t', 'nginx']]) {
    const out = join(tempDir(), 'out');
    const r = lbgen(['render', EXAMPLE, ...flags, '-o', out, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(out).sort(), ['haproxy.cfg', 'nginx.conf'], flags.join(' '));
  }
  assert.match(lbgen(['validate', EXAMPLE, '-t', 'nginx', '-t', 'cloudformation']).stderr, /valid for nginx, cloudformation: 0 errors, \d+ warnings/);
  assert.equal(lbgen(['render', EXAMPLE, '-t', 'nginx', '-t', 'haproxy', '--stdout']).code, 2, '--stdout with two targets');
  assert.equal(lbgen(['validate', EXAMPLE, '-t', 'nginx', '-t', 'apache']).code, 2);
});

test('a folder in place of an output file: exit 2 before anything is replaced; check on it: exit 2, not a crash', () => {
  const out = join(tempDir(), 'out');
  mkdirSync(join(out, 'haproxy.cfg'), { recursive: true });
  writeFileSync(join(out, 'nginx.conf'), 'OLD\n');
  const r = lbgen(['render', EXAMPLE, '-o', out, '--quiet']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /cannot write .*haproxy\.cfg: it exists and is not a file/);
  assert.equal(readFileSync(join(out, 'nginx.conf'), 'utf8'), 'OLD\n', 'nginx.conf untouched');
  assert.deepEqual(readdirSync(out).sort(), ['haproxy.cfg', 'nginx.conf'], 'no temporary file left');
  const c = lbgen(['check', EXAMPLE, '-o', out, '-t', 'haproxy']);
  assert.equal(c.code, 2, c.stderr);
  assert.match(c.stderr, /cannot read .*haproxy\.cfg/);
});

test('- reads the topology from standard input: validate, render; diagnostics call it <stdin>', () => {
  const text = readFileSync(EXAMPLE, 'utf8');
  assert.equal(lbgen(['validate', '-', '-t', 'nginx', '--quiet'], { input: text }).code, 0);
  const r = lbgen(['render', '-', '-t', 'nginx', '--stdout'], { input: text });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# Generated by lbgen .* from standard input\.$/m);
  assert.equal(r.stdout, lbgen(['render', EXAMPLE, '-t', 'nginx', '--stdout']).stdout.replace('from verb-app.yaml.', 'from standard input.'), 'the same config as from the file');
  const bad = lbgen(['validate', '-'], { input: BAD });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^<stdin>:\d+:\d+: error: /m);
});

test('render --stdout prints the one file and nothing else on stdout', () => {
  const r = lbgen(['render', EXAMPLE, '-t', 'nginx', '--stdout']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^# Generated by lbgen /);
  assert.match(r.stdout, /upstream verb-app_http \{/);
  assert.equal(lbgen(['render', EXAMPLE, '--stdout']).code, 2, '--stdout needs one target');
  // With alerts, render writes prometheus-rules.yaml too: --stdout still prints the config alone.
  const mon = join(packageRoot, 'test', 'cases', 'monitoring', 'topology.yaml');
  const m = lbgen(['render', mon, '-t', 'haproxy', '--stdout', '--format', 'json']);
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, /^# Generated by lbgen .*\n/);
  assert.doesNotMatch(m.stdout, /^groups:/m, 'no Prometheus rules after the config');
  const diagnostics: unknown = JSON.parse(m.stderr);
  assert.ok(Array.isArray(diagnostics) && diagnostics.length > 0, 'with --stdout, the JSON diagnostics are on stderr');
});

test('an output path that is a file is a usage error (2)', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'file'), 'x');
  const r = lbgen(['render', EXAMPLE, '-t', 'nginx', '-o', join(dir, 'file')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /exists and is not a folder/);
});

test('an output folder that cannot be made is a usage error (2), at once', () => {
  // mkdir answers ENOENT under /proc, where Node's own recursive mkdir would loop forever.
  const r = lbgen(['render', EXAMPLE, '-t', 'nginx', '-o', '/proc/lbgen-out/x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^lbgen: cannot create output folder \/proc\/lbgen-out\/x: ENOENT/);
});

test('--format json: one array on stdout with positions and pointers', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 't.yaml'), BAD.replace('fastest', 'least-connections'));
  const r = lbgen(['--format', 'json', 'validate', 't.yaml'], { cwd: dir });
  assert.equal(r.code, 1);
  const list = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.deepEqual(list, [
    { severity: 'warning', file: 't.yaml', line: 6, column: 3, path: 'pools.p', pointer: '/pools/p', message: 'pool "p" is not used by any route' },
    { severity: 'error', file: 't.yaml', line: 8, column: 22, path: 'routes[0].pool', pointer: '/routes/0/pool', message: 'no pool named "q"', suggestion: 'did you mean "p"?' },
  ]);
});

test('schema prints the JSON Schema', () => {
  const r = lbgen(['schema']);
  assert.equal(r.code, 0);
  assert.equal((JSON.parse(r.stdout) as { title: string }).title, 'lbgen topology, version 1');
});

test('--version and --help exit 0', () => {
  assert.match(lbgen(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  assert.equal(lbgen(['--help']).code, 0);
});

test('no colour on a pipe unless FORCE_COLOR asks for it (chalk\'s detection); NO_COLOR and --no-color win', () => {
  const escape = /\u001b\[/;
  assert.doesNotMatch(lbgen(['validate', EXAMPLE, '-t', 'nginx']).stderr, escape);
  // The reference's gaps are accepted: dim, where a warning nobody reviewed is yellow.
  assert.match(lbgen(['validate', EXAMPLE, '-t', 'nginx'], { env: { FORCE_COLOR: '1' } }).stderr, /\u001b\[2mwarning\u001b\[22m/);
  assert.match(lbgen(['explain', EXAMPLE, '-t', 'nginx'], { env: { FORCE_COLOR: '1' } }).stdout, escape, 'explain\'s table on stdout too');
  assert.doesNotMatch(lbgen(['validate', EXAMPLE, '-t', 'nginx'], { env: { FORCE_COLOR: '0' } }).stderr, escape);
  assert.doesNotMatch(lbgen(['validate', EXAMPLE, '-t', 'nginx'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stderr, escape);
  assert.doesNotMatch(lbgen(['validate', EXAMPLE, '-t', 'nginx', '--no-color'], { env: { FORCE_COLOR: '1' } }).stderr, escape);
});

test('colour on a terminal, none with TERM=dumb, NO_COLOR or --no-color', { skip: requireTool('script') ?? false }, () => {
  // script(1) gives the command a pseudo-terminal, as a user's shell does.
  const onTerminal = (command: string, env: Record<string, string> = {}) =>
    spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...plainEnv(), TERM: 'xterm-256color', ...env } }).stdout;
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} validate ${JSON.stringify(EXAMPLE)} -t nginx`;
  assert.match(onTerminal(command), /\u001b\[2mwarning\u001b\[22m/);
  assert.match(onTerminal(command.replace(' validate ', ' explain ')), /\u001b\[/, 'explain\'s table on a terminal');
  const dumb = onTerminal(command, { TERM: 'dumb' });
  assert.match(dumb.replace(/\u001b\[\d+m/g, ''), /warning: pools\./, 'the diagnostics are there');
  assert.doesNotMatch(dumb, /\u001b\[/, 'but plain on a dumb terminal');
  assert.doesNotMatch(onTerminal(command, { NO_COLOR: '1' }), /\u001b\[/);
  assert.doesNotMatch(onTerminal(`${command} --no-color`), /\u001b\[/);
});

test('check: 0 when the folder is up to date, 1 with a diff when it drifted, a line per missing file', () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  assert.equal(lbgen(['render', EXAMPLE, '-t', 'nginx', '-o', out]).code, 0);
  assert.equal(lbgen(['check', EXAMPLE, '-t', 'nginx', '-o', out]).code, 0);
  const conf = join(out, 'nginx.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('least_conn;', 'ip_hash;'));
  const drift = lbgen(['check', EXAMPLE, '-t', 'nginx', '-o', out]);
  assert.equal(drift.code, 1);
  assert.match(drift.stdout, /^-\s+ip_hash;$/m);
  assert.match(drift.stdout, /^\+\s+least_conn;$/m);
  // With --format json, stdout is the JSON array alone and the diff goes to stderr.
  const json = lbgen(['check', EXAMPLE, '-t', 'nginx', '-o', out, '--format', 'json']);
  assert.equal(json.code, 1);
  const found = JSON.parse(json.stdout) as { message: string }[];
  assert.ok(found.some((d) => d.message === 'differs from what render would write'), json.stdout);
  assert.match(json.stderr, /^\+\s+least_conn;$/m);
  const empty = join(dir, 'empty');
  const missing = lbgen(['check', EXAMPLE, '-t', 'nginx', '-o', empty]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /missing: .*nginx\.conf/);
  assert.ok(!existsSync(empty), 'check never writes');
});

test('check: a file that differs only by the lbgen version in its header is not drift, and is named', () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  assert.equal(lbgen(['render', EXAMPLE, '-t', 'nginx,haproxy', '-o', out]).code, 0);
  const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  const conf = join(out, 'nginx.conf');
  const rendered = readFileSync(conf, 'utf8');
  assert.ok(rendered.startsWith(`# Generated by lbgen ${version} (nginx `), rendered.slice(0, 80));
  // As an older lbgen rendered it: the header names another version, no directive differs.
  writeFileSync(conf, rendered.replace(`# Generated by lbgen ${version} (`, '# Generated by lbgen 0.0.9 ('));
  const older = lbgen(['check', EXAMPLE, '-t', 'nginx,haproxy', '-o', out]);
  assert.equal(older.code, 0, older.stderr);
  assert.equal(older.stdout, '', 'no diff');
  assert.match(older.stderr, new RegExp(`^${out}/nginx\\.conf: rendered by lbgen 0\\.0\\.9, this is ${version.replace(/\./g, '\\.')}; nothing else differs, not counted as drift$`, 'm'));
  assert.match(older.stderr, /up to date with/);
  const json = lbgen(['check', EXAMPLE, '-t', 'nginx,haproxy', '-o', out, '--format', 'json']);
  assert.equal(json.code, 0);
  assert.deepEqual((JSON.parse(json.stdout) as { path: string }[]).filter((d) => d.path === '(output)'), [], 'no drift in the JSON array');
  assert.equal(lbgen(['check', EXAMPLE, '-t', 'nginx,haproxy', '-o', out, '--quiet']).stderr, '');
  // Any other change is drift as before, and the diff shows the header too.
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('least_conn;', 'ip_hash;'));
  const drift = lbgen(['check', EXAMPLE, '-t', 'nginx,haproxy', '-o', out]);
  assert.equal(drift.code, 1);
  assert.match(drift.stdout, /^-# Generated by lbgen 0\.0\.9 \(/m);
  assert.match(drift.stdout, /^\+\s+least_conn;$/m);
  // render brings the header up to date.
  assert.equal(lbgen(['render', EXAMPLE, '-t', 'nginx,haproxy', '-o', out]).code, 0);
  assert.equal(readFileSync(conf, 'utf8'), rendered);
});

test('render removes an lbgen output it no longer writes (alerts gone), so check agrees; a user file of that name stays', () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  const withAlerts = readFileSync(join(packageRoot, 'test', 'cases', 'monitoring', 'topology.yaml'), 'utf8');
  assert.match(withAlerts, /^ {2}alerts: \{.*\}\n/m);
  writeFileSync(join(dir, 't.yaml'), withAlerts);
  assert.equal(lbgen(['render', 't.yaml', '-o', 'out', '-t', 'haproxy'], { cwd: dir }).code, 0);
  assert.ok(existsSync(join(out, 'prometheus-rules.yaml')));
  writeFileSync(join(dir, 't.yaml'), withAlerts.replace(/^ {2}alerts: \{.*\}\n/m, ''));
  assert.equal(lbgen(['render', 't.yaml', '-o', 'out', '-t', 'haproxy'], { cwd: dir }).code, 0);
  assert.ok(!existsSync(join(out, 'prometheus-rules.yaml')), 'the stale rules file is gone');
  assert.equal(lbgen(['check', 't.yaml', '-o', 'out', '-t', 'haproxy'], { cwd: dir }).code, 0);
  writeFileSync(join(out, 'prometheus-rules.yaml'), 'groups: []  # mine\n');
  assert.equal(lbgen(['render', 't.yaml', '-o', 'out', '-t', 'haproxy'], { cwd: dir }).code, 0);
  assert.equal(readFileSync(join(out, 'prometheus-rules.yaml'), 'utf8'), 'groups: []  # mine\n', 'not lbgen\'s: kept');
});

test('the bundled CLI (precompiled templates) writes exactly the goldens of every valid case', async () => {
  const { caseNames, casesDir } = await import('./helpers/cases.js');
  const valid = caseNames().filter((n) => !n.startsWith('invalid-'));
  assert.ok(valid.length >= 10, `${valid.length} valid cases`);
  const targetOf: Record<string, string> = { 'nginx.conf': 'nginx', 'haproxy.cfg': 'haproxy', 'cloudformation-alb.yaml': 'cloudformation' };
  for (const name of valid) {
    const expected = join(casesDir, name, 'expected');
    const configs = readdirSync(expected).filter((f) => !f.endsWith('.txt')).sort();
    // The targets that render for this case (a case may be refused by one target: alb-refused).
    const targets = configs.flatMap((f) => targetOf[f] ?? []);
    assert.ok(targets.length > 0, `${name} renders for some target`);
    const out = join(tempDir(), 'out');
    const r = lbgen(['render', 'topology.yaml', '-t', targets.join(','), '-o', out, '--quiet'], { cwd: join(casesDir, name) });
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.deepEqual(readdirSync(out).sort(), configs, `${name}: the bundle writes the files the goldens hold`);
    for (const file of configs) assert.equal(readFileSync(join(out, file), 'utf8'), readFileSync(join(expected, file), 'utf8'), `${name}/${file} from the bundle`);
  }
});

test('the bundled CLI (precompiled validator) reports exactly the goldens of every invalid case', async () => {
  const { caseNames, casesDir } = await import('./helpers/cases.js');
  for (const name of caseNames().filter((n) => n.startsWith('invalid-'))) {
    const r = lbgen(['validate', 'topology.yaml', '-t', 'nginx'], { cwd: join(casesDir, name) });
    assert.equal(r.code, 1, name);
    // The diagnostics, then validate's one-line count of them.
    const expected = readFileSync(join(casesDir, name, 'expected', 'diagnostics.txt'), 'utf8');
    const count = (severity: string) => expected.split('\n').filter((l) => l.includes(`: ${severity}: `)).length;
    assert.equal(r.stderr, `${expected}topology.yaml: invalid: ${count('error')} errors, ${count('warning')} warnings\n`, name);
  }
});
