/**
 * The real validators, run on rendered text in a temporary sandbox:
 * - nginx -t and haproxy -c resolve backend host names while checking and there is no DNS in CI,
 *   so they run in a private mount namespace whose /etc/hosts maps every name to 127.0.0.1;
 * - both open the certificate files they are given, so each certificate path of the topology is
 *   pointed at a throw-away self-signed pair (the path token is replaced in the checked copy only);
 * - nginx's log files are pointed into the sandbox, so no system path is written.
 * Outside CI a validator that cannot run (not installed, or no namespaces for it) gives a verdict
 * that is not ok and names the reason, which the test reports as a skip; under CI (CI=true) the
 * same is an error, so the test fails instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `skipped`: why the validator did not run (outside CI only); `ok` is then false, never a silent pass. */
export type Verdict = { ok: boolean; output: string; skipped?: string };

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

/** CI=true (as .ci/run sets, and most CI services do); CI=false or 0 is a developer's machine. */
export const inCI = (): boolean => !['', '0', 'false'].includes(process.env.CI ?? '');

/** A reason to skip when `cmd` is not on PATH; under CI, an error. */
export function requireTool(cmd: string): string | undefined {
  if (has(cmd)) return undefined;
  if (inCI()) throw new Error(`${cmd} is not installed: CI must install it (.ci/run)`);
  return `${cmd} is not installed`;
}

/**
 * How to enter private mount and network namespaces (see inPrivateHosts): root creates them
 * directly; anyone else first enters a user namespace in which they are root (`unshare -r`: their
 * own user mapped to root there, no privilege outside it), which most kernels allow. Where neither
 * works the validators cannot run as the tests need (backend names would not resolve, ports below
 * 1024 would not bind): a reason to skip, an error under CI.
 */
let namespaces: { args: string[] } | { skip: string } | undefined;
export function namespaceArgs(): { args: string[] } | { skip: string } {
  if (!namespaces) {
    const args = process.getuid?.() === 0 ? ['-m', '-n'] : ['-r', '-m', '-n'];
    const probe = spawnSync('unshare', [...args, 'true'], { encoding: 'utf8' });
    namespaces = probe.status === 0 ? { args } : { skip: `no private namespaces for the validators (unshare ${args.join(' ')}: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()})` };
  }
  if ('skip' in namespaces && inCI()) throw new Error(`${namespaces.skip}: CI must allow them`);
  return namespaces;
}

/**
 * Why the validator `cmd` cannot run as the checks below run it (not installed; for nginx and
 * HAProxy, no private namespaces), if it cannot: a reason to skip. Under CI, an error.
 */
export function whyNotRun(cmd: 'nginx' | 'haproxy' | 'cfn-lint' | 'promtool'): string | undefined {
  const missing = requireTool(cmd);
  if (missing || cmd === 'cfn-lint' || cmd === 'promtool') return missing;
  const ns = namespaceArgs();
  return 'skip' in ns ? ns.skip : undefined;
}

let fixtures: { dir: string; cert: string; key: string; bundle: string } | undefined;

/** One self-signed EC certificate for the whole run. */
export function tlsFixtures(): { dir: string; cert: string; key: string; bundle: string } {
  if (fixtures) return fixtures;
  const dir = mkdtempSync(join(tmpdir(), 'lbgen-tls-'));
  // Shared by every check of this test process: removed when it exits.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const bundle = join(dir, 'bundle.pem');
  writeFileSync(bundle, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  fixtures = { dir, cert, key, bundle };
  return fixtures;
}

/** Replace whole path tokens only (followed by ; or space or quote or end of line). */
function pointAt(text: string, from: string, to: string): string {
  return text.split(from).join(to);
}

/** siteTls: the sites' own certificates (sites.<id>.tls), pointed at the same fixture. */
export type Paths = { certificate?: string; key?: string; bundle?: string; siteTls?: readonly { certificate: string; key: string; bundle: string }[]; hostnames: readonly string[]; listenAddress?: string };

/** A temporary folder for one check, removed once the check is done (whatever its outcome). */
function inSandbox<T>(prefix: string, check: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return check(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Run a validator in private mount and network namespaces: /etc/hosts maps every backend name to
 * 127.0.0.1, and the topology's listen address exists on the namespace's own loopback (nginx -t
 * binds its listeners), so nothing depends on, or touches, this machine's network.
 */
function inPrivateHosts(dir: string, paths: Paths, command: string[]): { status: number | null; output: string } {
  const hosts = join(dir, 'hosts');
  writeFileSync(hosts, ['127.0.0.1 localhost', '::1 localhost ip6-localhost', ...paths.hostnames.map((h) => `127.0.0.1 ${h}`)].join('\n') + '\n');
  const address = paths.listenAddress;
  // Loopback and the wildcards (every address) need nothing added; any other address does.
  const addAddress = address && !['127.0.0.1', '::1', '0.0.0.0', '::'].includes(address) ? `ip addr add ${address}/${address.includes(':') ? 128 : 32} dev lo && ` : '';
  const script = `mount --bind "$0" /etc/hosts && ip link set lo up && ${addAddress}exec "$@"`;
  const ns = namespaceArgs();
  if ('skip' in ns) throw new Error(ns.skip);
  const r = spawnSync('unshare', [...ns.args, 'sh', '-c', script, hosts, ...command], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function nginxCheck(text: string, paths: Paths): Verdict {
  const skipped = whyNotRun('nginx');
  if (skipped) return { ok: false, output: '', skipped };
  const tls = tlsFixtures();
  return inSandbox('lbgen-nginx-', (dir) => {
    mkdirSync(join(dir, 'logs'));
    let conf = pointAt(text, '/var/log/nginx/', `${dir}/logs/`);
    if (paths.certificate) conf = pointAt(conf, paths.certificate, tls.cert);
    if (paths.key) conf = pointAt(conf, paths.key, tls.key);
    for (const s of paths.siteTls ?? []) conf = pointAt(pointAt(conf, s.certificate, tls.cert), s.key, tls.key);
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, conf);
    const r = inPrivateHosts(dir, paths, ['nginx', '-t', '-q', '-p', dir, '-e', join(dir, 'logs', 'error.log'), '-c', file, '-g', `pid ${dir}/nginx.pid;`]);
    const log = existsSync(join(dir, 'logs', 'error.log')) ? readFileSync(join(dir, 'logs', 'error.log'), 'utf8') : '';
    return { ok: r.status === 0 && !/\[(warn|emerg|alert|crit|error)\]/.test(r.output + log), output: r.output + log };
  });
}

export function haproxyCheck(text: string, paths: Paths, env: Record<string, string> = {}): Verdict {
  const skipped = whyNotRun('haproxy');
  if (skipped) return { ok: false, output: '', skipped };
  const tls = tlsFixtures();
  return inSandbox('lbgen-haproxy-', (dir) => {
    let conf = text;
    if (paths.bundle) conf = pointAt(conf, paths.bundle, tls.bundle);
    if (paths.certificate && paths.certificate !== paths.bundle) conf = pointAt(conf, paths.certificate, tls.bundle);
    for (const s of paths.siteTls ?? []) conf = pointAt(conf, s.bundle, tls.bundle);
    const file = join(dir, 'haproxy.cfg');
    writeFileSync(file, conf);
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const r = inPrivateHosts(dir, paths, ['env', ...envArgs, 'haproxy', '-c', '-f', file]);
    return { ok: r.status === 0 && !/\[(WARNING|ALERT)\]/.test(r.output), output: r.output };
  });
}

/** A validator of one file: `text` written as `name` in a sandbox folder, the tool run on it, its verdict read by `passes`. */
function checkFile(tool: 'cfn-lint' | 'promtool', name: string, text: string, args: (file: string) => string[], passes: (r: { status: number | null; stdout: string }) => boolean): Verdict {
  const skipped = whyNotRun(tool);
  if (skipped) return { ok: false, output: '', skipped };
  return inSandbox(`lbgen-${tool}-`, (dir) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    const r = spawnSync(tool, args(file), { encoding: 'utf8' });
    return { ok: passes(r), output: `${r.stdout}${r.stderr}` };
  });
}

export const cfnLint = (text: string, name = 'cloudformation-alb.yaml'): Verdict =>
  checkFile('cfn-lint', name, text, (file) => ['--format', 'parseable', file], (r) => r.status === 0 && r.stdout.trim() === '');

export const promtoolCheck = (text: string): Verdict =>
  checkFile('promtool', 'prometheus-rules.yaml', text, (file) => ['check', 'rules', file], (r) => r.status === 0 && /SUCCESS/.test(r.stdout));

/** What the validators need to know of a topology: its certificate paths and the host names to resolve. */
export function pathsOf(model: {
  tls: { certificate: string; key: string; bundle: string } | null;
  servers: readonly { address: string; family: string }[];
  listen: { address: string | null };
  sites?: readonly { ownTls: boolean; tls: { certificate: string; key: string; bundle: string } | null }[];
}): Paths {
  const siteTls = (model.sites ?? []).filter((s) => s.ownTls && s.tls).map((s) => s.tls!);
  return {
    ...(model.listen.address ? { listenAddress: model.listen.address } : {}),
    ...(model.tls ? { certificate: model.tls.certificate, key: model.tls.key, bundle: model.tls.bundle } : {}),
    ...(siteTls.length ? { siteTls } : {}),
    hostnames: model.servers.filter((s) => s.family === 'hostname').map((s) => s.address),
  };
}
