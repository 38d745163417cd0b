/**
 * One proxy in front of L4 backends for the streams checks: three TCP echo servers (and, for
 * nginx, three UDP ones), a topology whose streams each exercise one mechanism, rendered by lbgen
 * and run by the real nginx or HAProxy on 127.0.0.1 only. `mutate` edits the rendered text (the
 * mutation tests), as test/e2e/stack.ts does.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { generate } from '../../src/pipeline.js';
import { type Proc, freePorts } from './proc.js';
import { isRoot, launchOnFreePorts } from './stack.js';
import { TcpBackend, UdpBackend } from './stream-backends.js';

export type StreamProxy = 'nginx' | 'haproxy';

/** The streams of the e2e topology and what each tests. */
export const STREAMS = ['rr', 'sticky', 'proxy', 'allow', 'limit', 'udp'] as const;
export type StreamName = (typeof STREAMS)[number];
/** The one client allowed on the `allow` stream; any other loopback address is refused. */
export const ALLOWED_CLIENT = '127.0.0.1';
/** Connections one client may hold on the `limit` stream. */
export const PER_CLIENT = 2;
export const TCP_IDS = ['t1', 't2', 't3'] as const;
export const UDP_IDS = ['u1', 'u2', 'u3'] as const;

export type StreamStack = {
  readonly proxy: StreamProxy;
  readonly ports: Readonly<Record<StreamName | 'http', number>>;
  readonly tcp: readonly TcpBackend[];
  readonly udp: readonly UdpBackend[];
  readonly config: string;
  readonly proc: Proc;
  stop(): Promise<void>;
};

function topology(proxy: StreamProxy, dir: string, ports: StreamStack['ports'], tcp: readonly TcpBackend[], udp: readonly UdpBackend[]): string {
  const members = tcp.map((b) => b.id);
  const doc = {
    version: 1,
    name: 'l4e2e',
    listen: { address: '127.0.0.1', http: ports.http },
    servers: {
      ...Object.fromEntries(tcp.map((b) => [b.id, { address: '127.0.0.1', port: b.port }])),
      ...Object.fromEntries(udp.map((b) => [b.id, { address: '127.0.0.1', port: b.port }])),
    },
    pools: {
      // Passive ejection only (no healthCheck): a killed server is found by the connections that fail.
      rr: { servers: members, balance: 'round-robin' },
      sticky: { servers: members, sticky: { by: 'source-ip' } },
      ...(proxy === 'nginx' ? { udp: { servers: [...UDP_IDS] } } : {}),
    },
    routes: [{ path: '/', pool: 'rr' }],
    streams: {
      rr: { port: ports.rr, pool: 'rr' },
      sticky: { port: ports.sticky, pool: 'sticky' },
      proxy: { port: ports.proxy, pool: 'rr', proxyProtocol: true },
      allow: { port: ports.allow, pool: 'rr', allowFrom: [`${ALLOWED_CLIENT}/32`] },
      limit: { port: ports.limit, pool: 'rr', connectionsPerClient: PER_CLIENT },
      ...(proxy === 'nginx' ? { udp: { port: ports.udp, protocol: 'udp', pool: 'udp', idleTimeout: '5s' } } : {}),
    },
    nginx: { accessLog: join(dir, 'logs', 'access.log') },
    haproxy: { adminSocket: join(dir, 'admin.sock'), ...(isRoot ? { chroot: join(dir, 'chroot') } : { user: null, group: null, chroot: null }) },
  };
  return yaml.dump(doc);
}

function render(proxy: StreamProxy, text: string): string {
  const file = generate(text, { file: 'e2e-streams.yaml', targets: [proxy] }).files.find((f) => f.path === (proxy === 'nginx' ? 'nginx.conf' : 'haproxy.cfg'));
  if (!file) throw new Error(`lbgen rendered no configuration for ${proxy}`);
  return file.text;
}

export async function startStreamStack(proxy: StreamProxy, opts: { mutate?: (config: string) => string } = {}): Promise<StreamStack> {
  const dir = mkdtempSync(join(tmpdir(), `lbgen-e2e-streams-${proxy}-`));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'chroot'));
  const tcp = TCP_IDS.map((id) => new TcpBackend(id));
  const udp = proxy === 'nginx' ? UDP_IDS.map((id) => new UdpBackend(id)) : [];
  let proc: Proc | undefined;
  const stop = async () => {
    await proc?.stop();
    await Promise.all([...tcp, ...udp].map((b) => b.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([...tcp, ...udp].map((b) => b.start()));
    const started = await launchOnFreePorts(proxy, dir, async () => {
      const [http, rr, sticky, pp, allow, limit, u] = (await freePorts(7)) as [number, number, number, number, number, number, number];
      const ports = { http, rr, sticky, proxy: pp, allow, limit, udp: u };
      const rendered = render(proxy, topology(proxy, dir, ports, tcp, udp));
      return { ports, config: opts.mutate ? opts.mutate(rendered) : rendered, listening: [http, rr, sticky, pp, allow, limit] };
    });
    proc = started.proc;
    return { proxy, ports: started.ports, tcp, udp, config: started.config, proc, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
