/**
 * The streams' behaviour on the real proxies (issue 16): balancing, UDP, failover, source
 * stickiness, the PROXY header, the allow-list and the per-client connection limit. Each check
 * throws when the mechanism does not work; test/e2e/stream-mutations.ts breaks each one.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { type Socket, connect } from 'node:net';
import type { TcpAnswer } from './stream-backends.js';
import { ALLOWED_CLIENT, PER_CLIENT, type StreamStack } from './stream-stack.js';

/** How long a refused or dead connection may take to show itself before the check gives up on it. */
const WAIT_MS = 5000;

type Reply = { answer: TcpAnswer | null; socket: Socket };

/** Connect from `from`, send one line, and wait for the answer line (null: the connection was closed or reset first). */
export function ask(port: number, from = '127.0.0.1', line = 'hello'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    let buf = '';
    let done = false;
    const finish = (answer: TcpAnswer | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ answer, socket });
    };
    const timer = setTimeout(() => {
      done = true;
      socket.destroy();
      reject(new Error(`no answer and no close from port ${port} (client ${from}) within ${WAIT_MS} ms`));
    }, WAIT_MS);
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(JSON.parse(buf.slice(0, nl)) as TcpAnswer);
    });
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
  });
}

/** One question on a connection closed afterwards: the server that answered, or null when refused. */
async function once(port: number, from = '127.0.0.1'): Promise<TcpAnswer | null> {
  const r = await ask(port, from);
  r.socket.destroy();
  return r.answer;
}

const count = (ids: readonly (string | undefined)[]) => ids.reduce<Record<string, number>>((m, id) => ((m[id ?? 'refused'] = (m[id ?? 'refused'] ?? 0) + 1), m), {});

/**
 * Round robin over three servers: nine connections in a row reach every server, none more than
 * four times (two each would be exact turns; HAProxy's turns can skew by one under load, seen once
 * as 3/2/1 of six).
 */
export async function tcpBalances(s: StreamStack): Promise<Record<string, number>> {
  const ids: (string | undefined)[] = [];
  for (let i = 0; i < 9; i++) ids.push((await once(s.ports.rr))?.id);
  const seen = count(ids);
  assert.deepEqual(Object.keys(seen).sort(), ['t1', 't2', 't3'], `nine connections reach the three servers: ${JSON.stringify(seen)}`);
  assert.ok(Object.values(seen).every((n) => n <= 4), `nine connections in turns: ${JSON.stringify(seen)}`);
  return seen;
}

/** UDP through nginx: three clients (three source ports) get their datagram echoed, by three servers in turn. */
export async function udpEchoes(s: StreamStack): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < 3; i++) {
    const socket = createSocket('udp4');
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no UDP answer on port ${s.ports.udp} within ${WAIT_MS} ms`)), WAIT_MS);
        socket.once('message', (msg) => {
          clearTimeout(timer);
          resolve(msg.toString('utf8'));
        });
        socket.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        socket.bind(0, '127.0.0.1', () => socket.send(`ping${i}`, s.ports.udp, '127.0.0.1'));
      });
      answers.push(reply);
    } finally {
      socket.close();
    }
  }
  answers.forEach((a, i) => assert.match(a, new RegExp(`^u[123]:ping${i}$`), `datagram ${i} echoed`));
  assert.equal(new Set(answers.map((a) => a.split(':')[0])).size, 3, `three clients reach three servers: ${answers.join(', ')}`);
  return answers;
}

/** Source stickiness: each client address keeps its server over five connections; eight addresses reach more than one server. */
export async function sourceStickiness(s: StreamStack): Promise<Record<string, string>> {
  const picked: Record<string, string> = {};
  for (let n = 1; n <= 8; n++) {
    const from = `127.0.0.${n}`;
    const ids = new Set<string | undefined>();
    for (let i = 0; i < 5; i++) ids.add((await once(s.ports.sticky, from))?.id);
    assert.equal(ids.size, 1, `client ${from} reached ${[...ids].join(', ')}: not kept on one server`);
    picked[from] = [...ids][0] ?? 'refused';
  }
  assert.ok(!Object.values(picked).includes('refused'), JSON.stringify(picked));
  assert.ok(new Set(Object.values(picked)).size > 1, `eight clients all on one server: ${JSON.stringify(picked)}`);
  return picked;
}

/** The servers get a PROXY header naming the client: v2 from HAProxy, v1 from nginx open source. */
export async function proxyHeader(s: StreamStack): Promise<TcpAnswer['proxy']> {
  const version = s.proxy === 'haproxy' ? 2 : 1;
  for (const from of ['127.0.0.1', '127.0.0.3']) {
    const a = await once(s.ports.proxy, from);
    assert.ok(a, `a connection from ${from} was refused`);
    assert.deepEqual(a.proxy, { version, source: from }, `the server's view of a client at ${from}`);
    assert.equal(a.line, 'hello', 'the payload after the header reaches the server intact');
  }
  const plain = await once(s.ports.rr);
  assert.equal(plain?.proxy, null, 'a stream without proxyProtocol sends no header');
  return (await once(s.ports.proxy))!.proxy;
}

/** The allow-list: the allowed client is answered, another loopback address refused before any server. */
export async function allowList(s: StreamStack): Promise<void> {
  assert.ok(await once(s.ports.allow, ALLOWED_CLIENT), `${ALLOWED_CLIENT} is allowed`);
  const before = s.tcp.reduce((n, b) => n + b.accepted, 0);
  assert.equal(await once(s.ports.allow, '127.0.0.2'), null, '127.0.0.2 is outside the allow-list and must be refused');
  assert.equal(s.tcp.reduce((n, b) => n + b.accepted, 0), before, 'the refused connection reached no server');
}

/** connectionsPerClient: the client's extra connection is refused while it holds the others; freed, it connects again; another client is not limited. */
export async function connectionLimit(s: StreamStack): Promise<void> {
  const held: Socket[] = [];
  try {
    for (let i = 0; i < PER_CLIENT; i++) {
      const r = await ask(s.ports.limit);
      held.push(r.socket);
      assert.ok(r.answer, `connection ${i + 1} of ${PER_CLIENT} is answered`);
    }
    const extra = await ask(s.ports.limit);
    extra.socket.destroy();
    assert.equal(extra.answer, null, `connection ${PER_CLIENT + 1} of one client must be refused`);
    assert.ok(await once(s.ports.limit, '127.0.0.2'), 'another client is not limited');
  } finally {
    for (const h of held) h.destroy();
  }
  // Freed connections no longer count: poll until the proxy has seen the close.
  for (let i = 0; ; i++) {
    if (await once(s.ports.limit)) return;
    if (i === 50) assert.fail('the client stays refused after closing its connections');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A killed server leaves rotation: every new connection succeeds on the others. The server is started again after. */
export async function killedServerLeavesRotation(s: StreamStack): Promise<Record<string, number>> {
  const victim = s.tcp[1]!;
  victim.kill();
  try {
    const ids: (string | undefined)[] = [];
    for (let i = 0; i < 9; i++) ids.push((await once(s.ports.rr))?.id);
    const seen = count(ids);
    assert.ok(!('refused' in seen), `connections failed after ${victim.id} was killed: ${JSON.stringify(seen)}`);
    assert.ok(!(victim.id in seen), `the killed ${victim.id} answered: ${JSON.stringify(seen)}`);
    assert.deepEqual(Object.keys(seen).sort(), ['t1', 't3'], `the others share the connections: ${JSON.stringify(seen)}`);
    return seen;
  } finally {
    await victim.start();
  }
}
