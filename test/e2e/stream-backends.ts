/**
 * L4 backends on 127.0.0.1 for the streams checks. A TCP backend reads an optional PROXY protocol
 * header (v1 text or v2 binary) at the start of a connection, then answers each line it receives
 * with one JSON line: its id, the header it saw (version and client address) and the line. A UDP
 * backend answers each datagram with `<id>:<datagram>`. Connections stay open until the client (or
 * the proxy) closes them, so a check can hold some open.
 */
import { type Socket as UdpSocket, createSocket } from 'node:dgram';
import { type Server, type Socket, createServer } from 'node:net';

export type ProxyHeader = { version: 1 | 2; source: string } | null;
export type TcpAnswer = { id: string; proxy: ProxyHeader; line: string };

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** The PROXY header at the start of `buf`: its length and what it says; undefined while incomplete; length 0 when there is none. */
export function parseProxyHeader(buf: Buffer): { length: number; header: ProxyHeader } | undefined {
  if (buf.length >= 6 && buf.subarray(0, 6).toString('latin1') === 'PROXY ') {
    const end = buf.indexOf('\r\n');
    if (end < 0) return undefined;
    const parts = buf.subarray(0, end).toString('latin1').split(' ');
    return { length: end + 2, header: { version: 1, source: parts[2] ?? '' } };
  }
  if (buf.length < V2_SIGNATURE.length) return V2_SIGNATURE.subarray(0, buf.length).equals(buf) ? undefined : { length: 0, header: null };
  if (!buf.subarray(0, 12).equals(V2_SIGNATURE)) return { length: 0, header: null };
  if (buf.length < 16) return undefined;
  const length = 16 + buf.readUInt16BE(14);
  if (buf.length < length) return undefined;
  // Family TCP over IPv4 (0x11): the source address is the first 4 bytes of the addresses.
  const source = buf[13] === 0x11 ? [...buf.subarray(16, 20)].join('.') : '';
  return { length, header: { version: 2, source } };
}

export class TcpBackend {
  port = 0;
  /** Connections accepted since start, and how many are open now. */
  accepted = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(readonly id: string) {}

  async start(port = this.port): Promise<void> {
    const server = createServer((s) => this.serve(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  private serve(s: Socket): void {
    this.accepted++;
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    let header: ProxyHeader | undefined;
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (header === undefined) {
        const parsed = parseProxyHeader(buf);
        if (!parsed) return;
        header = parsed.header;
        buf = buf.subarray(parsed.length);
      }
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
        const line = buf.subarray(0, nl).toString('utf8');
        buf = buf.subarray(nl + 1);
        s.write(`${JSON.stringify({ id: this.id, proxy: header, line } satisfies TcpAnswer)}\n`);
      }
    });
  }

  /** As a crashed process: no more listening, every open connection reset. */
  kill(): void {
    this.server?.close();
    this.server = null;
    for (const s of [...this.sockets]) s.destroy();
  }

  async stop(): Promise<void> {
    this.kill();
  }
}

export class UdpBackend {
  port = 0;
  private socket: UdpSocket | null = null;
  constructor(readonly id: string) {}

  async start(): Promise<void> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, from) => socket.send(`${this.id}:${msg.toString('utf8')}`, from.port, from.address));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => resolve());
    });
    this.port = socket.address().port;
    this.socket = socket;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.socket ? this.socket.close(() => resolve()) : resolve()));
    this.socket = null;
  }
}
