/**
 * One proxy under test with its backends: render the e2e topology with lbgen's generate(), start
 * the real nginx or haproxy on the output, and stop everything again. The rendered text is run as
 * it is, but for the `mutate` function a mutation test passes on purpose: the topology itself puts
 * every file the proxies write in the sandbox (nginx.accessLog, haproxy.adminSocket) and, as root,
 * HAProxy's workers in a chroot of the sandbox as user haproxy. The access log is read where each
 * proxy writes it: nginx's file (in the sandbox), HAProxy's stdout (`log stdout`).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse, generate } from '../../src/pipeline.js';
import type { Model } from '../../src/model/model.js';
import { type Backend, startBackends } from './backends.js';
import { type Proc, freePorts, start, waitForPorts } from './proc.js';
import { ALL_BACKEND_IDS, type Ports, STATS, type TlsFiles, topologyText } from './topology.js';

export type ProxyName = 'nginx' | 'haproxy';

export type Stack = {
  readonly proxy: ProxyName;
  readonly backends: readonly Backend[];
  readonly ports: Ports;
  readonly model: Model;
  /** The configuration the proxy runs (after path edits and any mutation). */
  readonly config: string;
  readonly dir: string;
  readonly proc: Proc;
  readonly statsPassword: string;
  /** HAProxy's runtime API socket (haproxy.adminSocket), in the sandbox. */
  readonly adminSocket: string;
  backend(id: string): Backend;
  /** The access log so far, one entry per line: nginx's access_log file, HAProxy's stdout. */
  accessLog(): string[];
  stop(): Promise<void>;
};

export type StackOptions = { mutate?: (config: string) => string; topology?: (doc: Record<string, unknown>) => void };

/** A self-signed pair for 127.0.0.1, plus HAProxy's combined PEM. */
function makeTls(dir: string): TlsFiles {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const bundle = join(dir, 'bundle.pem');
  writeFileSync(bundle, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key, bundle };
}

async function choosePorts(backends: readonly Backend[]): Promise<Ports> {
  const [http, https, stats, metrics] = (await freePorts(4)) as [number, number, number, number];
  return { http, https, stats, metrics, backends: backends.map((b) => b.port) };
}

function render(proxy: ProxyName, text: string): { model: Model; config: string } {
  const opts = { file: 'e2e-topology.yaml', targets: [proxy] } as const;
  const model = analyse(text, opts).model;
  const file = generate(text, opts).files.find((f) => f.path === (proxy === 'nginx' ? 'nginx.conf' : 'haproxy.cfg'));
  if (!file) throw new Error(`lbgen rendered no configuration for ${proxy}`);
  return { model, config: file.text };
}

/** Whether this process can start HAProxy as the Debian package does (chroot, then user haproxy). */
export const isRoot = process.getuid?.() === 0;

/**
 * The proxies' own files in the sandbox, never a system path. As root (CI), HAProxy drops to the
 * haproxy user in an empty folder of the sandbox, as it does by default; a developer who is not
 * root cannot switch users or chroot, so those lines are left out (null).
 */
function sandboxPaths(dir: string): (doc: Record<string, unknown>) => void {
  return (doc) => {
    doc.nginx = { accessLog: join(dir, 'logs', 'access.log') };
    doc.haproxy = {
      adminSocket: join(dir, 'admin.sock'),
      ...(isRoot ? { chroot: join(dir, 'chroot') } : { user: null, group: null, chroot: null }),
    };
  };
}

/** Complete lines only: a line being written has no newline yet. */
const lines = (text: string) => text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '');

function readLines(file: string): string[] {
  try {
    return lines(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

/** The proxy on `config`, written into `dir`; `env` adds to the environment (HAProxy's stats password). */
function launch(proxy: ProxyName, dir: string, config: string, env: Record<string, string> = {}): Proc {
  if (proxy === 'nginx') {
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, config);
    return start('nginx', 'nginx', ['-p', dir, '-e', join(dir, 'logs', 'error.log'), '-c', file, '-g', `daemon off; pid ${dir}/nginx.pid;`]);
  }
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  return start('haproxy', 'haproxy', ['-f', file, '-db'], { ...process.env, ...env });
}

export async function startStack(proxy: ProxyName, opts: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), `lbgen-e2e-${proxy}-`));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'chroot'));
  const backends = await startBackends(ALL_BACKEND_IDS);
  let proc: Proc | undefined;
  const stop = async () => {
    await proc?.stop();
    await Promise.all(backends.map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const tls = makeTls(dir);
    const statsPassword = randomBytes(12).toString('hex');
    const started = await launchOnFreePorts(proxy, dir, async () => {
      const ports = await choosePorts(backends);
      const rendered = render(proxy, topologyText(ports, tls, (doc) => {
        sandboxPaths(dir)(doc);
        opts.topology?.(doc);
      }));
      const config = opts.mutate ? opts.mutate(rendered.config) : rendered.config;
      // The metrics port is left to its own check: a proxy that does not open it fails that check only.
      return { ports, model: rendered.model, config, listening: proxy === 'haproxy' ? [ports.http, ports.https, ports.stats] : [ports.http, ports.https] };
    }, { [STATS.passwordEnv]: statsPassword });
    proc = started.proc;
    return stackOf(proxy, backends, started.ports, started.model, started.config, dir, proc, statsPassword, stop);
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * The proxy started on a configuration for ports just found free (`attempt` chooses them and
 * renders it), once it listens on `listening`. A port found free may be taken before the proxy
 * binds it (a client's ephemeral port, say): then the proxy exits with "Address already in use",
 * and `attempt` is asked again for new ports (three tries). A configuration that would listen
 * anywhere but 127.0.0.1 is refused before it starts.
 */
export async function launchOnFreePorts<T extends { readonly config: string; readonly listening: readonly number[] }>(proxy: ProxyName, dir: string, attempt: () => Promise<T>, env: Record<string, string> = {}): Promise<T & { proc: Proc }> {
  for (let tries = 1; ; tries++) {
    const chosen = await attempt();
    assertLoopbackOnly(chosen.config);
    const proc = launch(proxy, dir, chosen.config, env);
    try {
      await waitForPorts(proc, chosen.listening);
      return { ...chosen, proc };
    } catch (e) {
      const clash = tries < 3 && /Address already in use/i.test(proc.output());
      await proc.stop();
      if (!clash) throw e;
    }
  }
}

function stackOf(proxy: ProxyName, backends: readonly Backend[], ports: Ports, model: Model, config: string, dir: string, proc: Proc, statsPassword: string, stop: () => Promise<void>): Stack {
  const backend = (id: string) => backends.find((b) => b.id === id) ?? assertNever(id);
  const accessLog = () => (proxy === 'nginx' ? readLines(model.nginx.accessLog) : lines(proc.stdout()));
  return { proxy, backends, ports, model, config, dir, proc, statsPassword, adminSocket: model.haproxy.adminSocket!, backend, accessLog, stop };
}

/** Refuse to start a proxy that would listen anywhere but 127.0.0.1: the suite must never open a port to the network. */
function assertLoopbackOnly(config: string): void {
  const listens = config.split('\n').filter((l) => /^\s+listen\s/.test(l) || /^\s*bind\s/.test(l));
  const outside = listens.filter((l) => !/^\s*(listen|bind)\s+127\.0\.0\.1:\d+(?:[\s;]|$)/.test(l));
  if (outside.length || !listens.length) throw new Error(`the rendered configuration listens outside 127.0.0.1:\n${outside.join('\n')}`);
}

function assertNever(id: string): never {
  throw new Error(`no backend ${id}`);
}

/** The nginx error log of a stack, for failure messages. */
export function errorLog(stack: Stack): string {
  try {
    return readFileSync(join(stack.dir, 'logs', 'error.log'), 'utf8');
  } catch {
    return stack.proc.output();
  }
}
