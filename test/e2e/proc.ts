/**
 * Child processes of the end-to-end suite: each runs in its own process group so that stopping it
 * also stops what it forked (nginx's workers), and every group still alive when this Node process
 * exits is killed, so a failed or interrupted run leaves nothing listening.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type Server, createServer, connect } from 'node:net';

export type Proc = {
  readonly child: ChildProcess;
  readonly name: string;
  /** stdout and stderr interleaved, for failure messages. */
  output: () => string;
  /** stdout alone (HAProxy's access log: `log stdout`). */
  stdout: () => string;
  stop: () => Promise<void>;
};

const live = new Set<number>();
const killAll = () => {
  for (const pgid of live) killGroup(pgid, 'SIGKILL');
};
process.on('exit', killAll);
// The test runner ends a cancelled file with a signal, which skips 'exit': clean up, then die of it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** Start `command` in a new process group; its stdout and stderr are kept, together and stdout alone. */
export function start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Proc {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let stdout = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pgid = child.pid!;
  live.add(pgid);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(pgid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    // The master may be gone while a worker lingers: make sure the whole group is.
    killGroup(pgid, 'SIGKILL');
    live.delete(pgid);
  };
  return { child, name, output: () => out, stdout: () => stdout, stop };
}

/**
 * `count` distinct ports free on 127.0.0.1 right now (the kernel's choice), for a proxy to listen
 * on. All are held open until every one is chosen: one closed at once may be handed out again.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

/** Wait until every port accepts a connection; fail early with the process's output if it died. */
export async function waitForPorts(proc: Proc, ports: readonly number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(`${proc.name} exited (${proc.child.exitCode ?? proc.child.signalCode}):\n${proc.output()}`);
    }
    const ok = await Promise.all(ports.map(accepts));
    if (ok.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} did not open ${ports.join(', ')} in ${timeoutMs} ms:\n${proc.output()}`);
    await sleep(50);
  }
}

/** Poll `probe` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
