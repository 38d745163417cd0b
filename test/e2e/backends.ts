/**
 * Small backends on 127.0.0.1, HTTP and WebSocket on one port. Each answers with its own id and
 * what it received, so a check can see through the proxy: which server answered, which headers the
 * proxy added. `/health` answers the status set by setHealth(); `?hold=MS` delays the answer, to
 * park a request on whichever server the proxy chose; `?status=N` answers N; `?frame=V` sends its
 * own X-Frame-Options; `?cookie=N` a Set-Cookie header of N bytes; `?stream=ID` a server-sent event
 * at once and the rest only on endStream(ID) (chunked, or with `&sized` a Content-Length). As an application that validates
 * Host does (Django's ALLOWED_HOSTS), a Host that is no host name (a wildcard) is answered 400.
 * With `issueCookie` set, a backend acts as the guide's session-affinity middleware: an answer to a
 * request whose cookie of that name is not the backend's own id sets it to that id.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';

const LAST_EVENT = 'data: last\n\n';

export type Echo = { id: string; path: string; headers: Record<string, string | string[] | undefined>; remoteAddress: string };

/** Longer than any proxy's idle timeout towards backends (nginx: 4s), so the proxy always closes first. */
const KEEP_ALIVE_MS = 15_000;
const MAX_HEADER_BYTES = 128 * 1024;

export class Backend {
  port = 0;
  health = 200;
  /** The HTTP version and Host of the last /health request: what an application that checks Host sees. */
  lastHealthCheck: { version: string; host: string | undefined } | null = null;
  healthChecks = 0;
  /** The name of the cookie this backend issues with its own id (the guide's middleware), or null. */
  issueCookie: string | null = null;
  /** Requests being answered now (held ones included), by path. */
  readonly inFlight = new Map<string, number>();
  /** Every request received, in order: path only. */
  readonly seen: string[] = [];
  private server: Server | null = null;
  private sockets = new Set<Socket>();

  /** `host`: the loopback address it listens on (a server whose agent answers for it alone needs an address of its own). */
  constructor(readonly id: string, readonly host = '127.0.0.1') {}

  /** Listen (again, after kill) on `port`, or on a free one the first time. */
  async start(port = this.port): Promise<void> {
    // Request heads as large as the proxies pass (64 KB; Node's default stops at 16 KB).
    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => this.answer(req, res));
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 1000;
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.attachWebSocket(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** As a crashed process: no more listening, every open connection reset at once. */
  kill(): void {
    this.server?.close();
    this.server = null;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.kill();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  get alive(): boolean {
    return this.server !== null;
  }

  active(prefix = '/'): number {
    let n = 0;
    for (const [path, count] of this.inFlight) if (path.startsWith(prefix)) n += count;
    return n;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://backend');
    this.seen.push(url.pathname);
    const badHost = req.headers.host?.includes('*') === true;
    if (url.pathname === '/health') {
      this.lastHealthCheck = { version: req.httpVersion, host: req.headers.host };
      this.healthChecks++;
      const status = badHost ? 400 : this.health;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${this.id} ${status}\n`);
      return;
    }
    if (badHost) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`invalid Host ${req.headers.host}\n`);
      return;
    }
    const hold = Number(url.searchParams.get('hold') ?? 0);
    this.inFlight.set(url.pathname, (this.inFlight.get(url.pathname) ?? 0) + 1);
    const done = () => this.inFlight.set(url.pathname, this.inFlight.get(url.pathname)! - 1);
    // The body is read to its end first (a 2 MB upload must not meet an answer halfway).
    req.resume();
    req.on('end', () => setTimeout(() => {
      const stream = url.searchParams.get('stream');
      if (stream !== null) {
        this.openStream(stream, res, done, url.searchParams.has('sized'));
        return;
      }
      done();
      const body: Echo = { id: this.id, path: req.url ?? '', headers: req.headers, remoteAddress: req.socket.remoteAddress ?? '' };
      if (!res.destroyed) res.writeHead(Number(url.searchParams.get('status') ?? 200), { 'content-type': 'application/json', ...extraHeaders(url), ...this.affinity(req) }).end(JSON.stringify(body));
    }, hold));
  }

  /** Server-sent events held open by `?stream=ID`: the first event is sent at once, the end only on endStream(ID). */
  private readonly streams = new Map<string, { res: ServerResponse; done: () => void }>();

  private openStream(id: string, res: ServerResponse, done: () => void, sized: boolean): void {
    const first = `data: ${this.id} first\n\n`;
    // Sized: a long poll's answer whose length is known up front (Content-Length, not chunked).
    const length = sized ? { 'content-length': String(Buffer.byteLength(first) + Buffer.byteLength(LAST_EVENT)) } : {};
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...length });
    res.write(first);
    this.streams.set(id, { res, done });
  }

  /** Send the last event of stream `id` and end it; false when this backend does not hold it. */
  endStream(id: string): boolean {
    const s = this.streams.get(id);
    if (!s) return false;
    this.streams.delete(id);
    s.done();
    s.res.end(LAST_EVENT);
    return true;
  }

  /** The guide's middleware: a request that does not name this server gets a cookie that does. */
  private affinity(req: IncomingMessage): Record<string, string> {
    if (this.issueCookie === null) return {};
    const sent = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${this.issueCookie}=`))?.slice(this.issueCookie.length + 1);
    return sent === this.id ? {} : { 'set-cookie': `${this.issueCookie}=${this.id}; Path=/; HttpOnly` };
  }

  /** Every message comes back as {id, echo}; the upgrade request's headers are sent first. */
  private attachWebSocket(server: Server): void {
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      ws.send(JSON.stringify({ id: this.id, headers: req.headers, path: req.url }));
      ws.on('message', (data) => ws.send(JSON.stringify({ id: this.id, echo: data.toString() })));
    });
  }
}

function extraHeaders(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  const frame = url.searchParams.get('frame');
  if (frame) out['x-frame-options'] = frame;
  const cookie = Number(url.searchParams.get('cookie') ?? 0);
  if (cookie > 0) out['set-cookie'] = `big=${'x'.repeat(cookie)}`;
  return out;
}

export async function startBackends(ids: readonly string[]): Promise<Backend[]> {
  const all = ids.map((id) => new Backend(id));
  await Promise.all(all.map((b) => b.start()));
  return all;
}
