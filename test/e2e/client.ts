/**
 * Clients of the proxy under test. Every request opens its own connection (no shared agent), so a
 * check controls exactly which client (local address) the proxy sees; the self-signed certificate
 * is accepted on purpose.
 */
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import type { Echo } from './backends.js';

export type Reply = { status: number; headers: IncomingHttpHeaders; body: string; ms: number };

export type RequestOptions = {
  port: number;
  path: string;
  tls?: boolean;
  /** The client's address: any 127.x.y.z works on Linux. */
  from?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** The TLS SNI name (none by default: Node sends none for an IP address). */
  servername?: string;
};

export function request(o: RequestOptions): Promise<Reply> {
  const t0 = Date.now();
  const send = o.tls === false ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = send({
      host: '127.0.0.1', port: o.port, path: o.path, method: o.method ?? 'GET', headers: o.headers ?? {},
      localAddress: o.from ?? '127.0.0.1', agent: false, rejectUnauthorized: false, timeout: o.timeoutMs ?? 10_000,
      ...(o.servername ? { servername: o.servername } : {}),
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: Date.now() - t0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${o.path} in ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The backend's echo in a proxied answer; fails with the answer when it is not one. */
export function echoOf(r: Reply): Echo {
  try {
    const e = JSON.parse(r.body) as Echo;
    if (typeof e.id === 'string') return e;
  } catch {
    // fall through
  }
  throw new Error(`not a backend answer: ${r.status} ${r.body.slice(0, 200)}`);
}

export type WsResult = { hello: { id: string; headers: Record<string, string> }; echo: { id: string; echo: string } };

/** Open a WebSocket through the proxy, read the backend's greeting, send `message`, read the echo. */
export function wsRoundTrip(port: number, path: string, message: string, from = '127.0.0.1', timeoutMs = 5000): Promise<WsResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, { rejectUnauthorized: false, localAddress: from, handshakeTimeout: timeoutMs });
    const got: unknown[] = [];
    // A tunnel that opens but never echoes must fail the check, not hang the suite.
    const timer = setTimeout(() => fail(new Error(`WebSocket ${path}: ${got.length} of 2 messages in ${timeoutMs} ms`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(e);
    };
    ws.on('open', () => ws.send(message));
    ws.on('message', (data) => {
      got.push(JSON.parse(data.toString()));
      if (got.length < 2) return;
      clearTimeout(timer);
      ws.close();
      resolve({ hello: got[0] as WsResult['hello'], echo: got[1] as WsResult['echo'] });
    });
    ws.on('unexpected-response', (_req, res) => fail(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.on('close', () => fail(new Error(`WebSocket ${path} closed after ${got.length} of 2 messages`)));
    ws.on('error', fail);
  });
}

/** The status a WebSocket handshake on `path` gets: 101 when the proxy switched protocols. */
export function wsHandshakeStatus(port: number, path: string, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, { rejectUnauthorized: false, handshakeTimeout: timeoutMs });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (req, res) => {
      res.resume();
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    ws.on('error', reject);
  });
}

/** n answers of `one()` run in parallel. */
/** A TLS 1.2 handshake from `from` offering only `cipher`: the cipher agreed, or the error that ended it. */
export function handshake(port: number, cipher: string, from = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    // ConnectionOptions has no localAddress: the TCP connection is opened from `from` first.
    const tcp = netConnect({ host: '127.0.0.1', port, localAddress: from });
    const socket = tlsConnect({ socket: tcp, servername: 'e2e.lbgen.test', ciphers: cipher, maxVersion: 'TLSv1.2', rejectUnauthorized: false }, () => {
      resolve(socket.getCipher().name);
      socket.destroy();
    });
    socket.on('error', (e) => resolve(`refused: ${e.message}`));
  });
}

export type Hello = { protocol: string | null; alpn: string | false | null } | { refused: string };

/**
 * A TLS handshake with the versions and ALPN protocols given; the client's security level is 0 so
 * that it can speak TLS 1.0/1.1 at all (a refusal must come from the proxy, not from this client).
 */
export function tlsHello(port: number, o: { min: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; max: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; alpn?: string[] }): Promise<Hello> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'e2e.lbgen.test', minVersion: o.min, maxVersion: o.max, ciphers: 'DEFAULT@SECLEVEL=0', rejectUnauthorized: false, ...(o.alpn ? { ALPNProtocols: o.alpn } : {}) }, () => {
      resolve({ protocol: socket.getProtocol(), alpn: socket.alpnProtocol ?? null });
      socket.destroy();
    });
    socket.on('error', (e) => resolve({ refused: e.message }));
  });
}

export const parallel = <T>(n: number, one: (i: number) => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: n }, (_, i) => one(i)));

/** How many answers came from each backend id. */
export function countIds(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}
