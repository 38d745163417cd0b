/**
 * Weights that follow load (pools.<id>.loadFeedback) on the real HAProxy. A pool of two servers,
 * each on a loopback address of its own with an HTTP backend and, next to it on the pool's agent
 * port, a small agent: a TCP server that answers every connection with one line ("10%", "drain",
 * "ready"). HAProxy asks the agent on the server's own address, so two servers on one address
 * would share one agent: hence an address per server.
 *
 * No check sleeps: each waits until the agents have been asked twice since their answer changed.
 * HAProxy asks a server's agent again only once it has read and applied the last answer, so by the
 * second question the first answer is in force.
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:net';
import { backendName } from '../../src/targets/haproxy/names.js';
import { Backend } from './backends.js';
import { cli } from './checks-secure.js';
import { countIds, request } from './client.js';
import { idOf } from './expect.js';
import { until } from './proc.js';
import type { Stack } from './stack.js';
import { HEALTH } from './topology.js';

/** The agents' answers are asked every 200 ms, so that a check waits well under a second for one. */
export const FEEDBACK = {
  pool: 'feedback',
  route: '/feedback',
  intervalMs: 200,
  servers: [{ id: 'f1', address: '127.0.0.71' }, { id: 'f2', address: '127.0.0.72' }],
} as const;

type ServerId = (typeof FEEDBACK.servers)[number]['id'];

/** Listen on `host`:`port` (0: a port the kernel picks); the error when it is taken. */
function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

/**
 * A port free on every one of `hosts` right now (the agents share one port, each on its own
 * address), and one more free on each host for its HTTP backend. All are held until every one is
 * chosen, so that none is handed out twice.
 */
async function choosePorts(): Promise<{ agent: number; http: number[] }> {
  const held: Server[] = [];
  try {
    const http: number[] = [];
    for (const s of FEEDBACK.servers) {
      const server = createServer();
      held.push(server);
      http.push(await listen(server, s.address, 0));
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      const first = createServer();
      held.push(first);
      const agent = await listen(first, FEEDBACK.servers[0].address, 0);
      const rest = await Promise.all(FEEDBACK.servers.slice(1).map(async (s) => {
        const other = createServer();
        held.push(other);
        return listen(other, s.address, agent).then(() => true, () => false);
      }));
      if (rest.every(Boolean)) return { agent, http };
    }
    throw new Error(`no port free on ${FEEDBACK.servers.map((s) => s.address).join(' and ')} in 20 tries`);
  } finally {
    await Promise.all(held.map((s) => (s.listening ? close(s) : Promise.resolve())));
  }
}

/**
 * The topology edit: the two servers, their pool with loadFeedback and the fast health check of
 * the other pools, and its route. Ports are chosen now; the servers start in the check.
 */
export async function loadFeedbackPool(): Promise<(doc: Record<string, unknown>) => void> {
  const ports = await choosePorts();
  return (doc) => {
    const servers = doc.servers as Record<string, unknown>;
    FEEDBACK.servers.forEach((s, i) => (servers[s.id] = { address: s.address, port: ports.http[i] }));
    const pools = doc.pools as Record<string, { healthCheck?: unknown }>;
    pools[FEEDBACK.pool] = {
      servers: FEEDBACK.servers.map((s) => s.id),
      healthCheck: pools.rr!.healthCheck,
      loadFeedback: { port: ports.agent, interval: `${FEEDBACK.intervalMs}ms` },
    } as { healthCheck?: unknown };
    (doc.routes as unknown[]).unshift({ path: FEEDBACK.route, pool: FEEDBACK.pool });
  };
}

/** One server's agent: answers every connection with `answer` and a newline, and counts the questions. */
class Agent {
  private current = '100%';
  /** Questions answered with the current answer. */
  asked = 0;
  private readonly server = createServer((sock) => {
    this.asked++;
    sock.on('error', () => undefined);
    sock.end(`${this.current}\n`);
  });

  constructor(readonly id: ServerId, readonly host: string) {}

  start(port: number): Promise<number> {
    return listen(this.server, this.host, port);
  }

  set answer(a: string) {
    this.current = a;
    this.asked = 0;
  }

  get answer(): string {
    return this.current;
  }

  stop(): Promise<void> {
    return this.server.listening ? close(this.server) : Promise.resolve();
  }
}

type Member = { id: ServerId; backend: Backend; agent: Agent };

/** HAProxy's view of one server (its runtime API's `show stat`): state, effective weight, the agent's last answer. */
type ServerStat = { status: string; weight: number; lastAgent: string };

async function serverStats(s: Stack): Promise<Record<string, ServerStat>> {
  const pool = s.model.pools.find((p) => p.id === FEEDBACK.pool)!;
  const [header, ...rows] = (await cli(s.adminSocket, 'show stat')).split('\n');
  const fields = header!.replace(/^# /, '').split(',');
  const col = (row: string[], name: string) => row[fields.indexOf(name)] ?? '';
  const out: Record<string, ServerStat> = {};
  for (const line of rows) {
    const row = line.split(',');
    if (col(row, 'pxname') !== backendName(s.model, pool)) continue;
    out[col(row, 'svname')] = { status: col(row, 'status'), weight: Number(col(row, 'weight')), lastAgent: col(row, 'last_agt') };
  }
  return out;
}

/** Start the pool's backends and agents at the addresses and ports the model gives them, run `body`, stop them. */
async function withFeedback<T>(s: Stack, body: (members: readonly Member[]) => Promise<T>): Promise<T> {
  const pool = s.model.pools.find((p) => p.id === FEEDBACK.pool);
  assert.ok(pool?.loadFeedback, `the stack's topology has pool ${FEEDBACK.pool} with loadFeedback`);
  const members = pool.members.map((m): Member => ({ id: m.id as ServerId, backend: new Backend(m.id, m.address), agent: new Agent(m.id as ServerId, m.address) }));
  try {
    for (const [i, m] of members.entries()) {
      await m.backend.start(pool.members[i]!.port);
      await m.agent.start(pool.loadFeedback.port);
    }
    // The backends start after HAProxy: wait until its health check has them up (rise successes).
    await until(`HAProxy's health check reporting ${members.map((m) => m.id).join(' and ')} UP`, 10 * HEALTH.intervalMs * HEALTH.rise, async () => {
      const stats = await serverStats(s);
      return members.every((m) => stats[m.id]?.status === 'UP') ? true : undefined;
    }, 100);
    return await body(members);
  } finally {
    await Promise.all(members.map(async (m) => {
      await m.agent.stop();
      await m.backend.stop();
    }));
  }
}

/** Give each agent its answer, and wait until HAProxy has applied it: each agent asked twice since. */
async function answer(s: Stack, members: readonly Member[], answers: Partial<Record<ServerId, string>>): Promise<Record<string, ServerStat>> {
  const changed = members.filter((m) => answers[m.id] !== undefined);
  for (const m of changed) m.agent.answer = answers[m.id]!;
  const what = changed.map((m) => `${m.id} "${m.agent.answer}"`).join(', ');
  // agent-inter is 200 ms: two questions take about 400 ms; the bound only ends a broken run.
  await until(`HAProxy asking the agents twice since they answer ${what} (agent-check)`, 25 * FEEDBACK.intervalMs, async () => (changed.every((m) => m.agent.asked >= 2) ? true : undefined), 20);
  return serverStats(s);
}

/** Which server answers each of `count` requests on the pool's route, in order. */
async function answeredBy(s: Stack, count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(idOf(await request({ port: s.ports.https, path: `${FEEDBACK.route}?${tag}=${i}` }), `${FEEDBACK.route} #${i}`));
  return ids;
}

/** Requests sent once the agents answer 10% and 100%. */
export const RATIO = { requests: 440, low: 10, high: 100, tolerance: 10 } as const;

/**
 * f1's agent answers 10%, f2's 100%: HAProxy's round robin then sends f1 about 10/110 of the new
 * requests. Its weighted round robin is exact (40 of 440); the tolerance of 10 allows for the
 * requests already on the way when the weights changed, and is far from both ways to get it wrong:
 * weights the agent does not move (220 each) and a 10% that rounds down to a drained server (0).
 */
export async function weightsFollowAgents(s: Stack): Promise<{ counts: Record<string, number>; weights: Record<string, number> }> {
  return withFeedback(s, async (members) => {
    const stats = await answer(s, members, { f1: `${RATIO.low}%`, f2: `${RATIO.high}%` });
    const weights = Object.fromEntries(members.map((m) => [m.id, stats[m.id]!.weight]));
    const counts = countIds(await answeredBy(s, RATIO.requests, 'ratio'));
    const expected = (RATIO.requests * RATIO.low) / (RATIO.low + RATIO.high);
    const low = counts.f1 ?? 0;
    assert.ok(Math.abs(low - expected) <= RATIO.tolerance, `agents answering ${RATIO.low}% and ${RATIO.high}%: f1 got ${low} of ${RATIO.requests} requests, expected ${expected} ± ${RATIO.tolerance} (${JSON.stringify(counts)}; HAProxy's weights ${JSON.stringify(weights)})`);
    assert.equal(low + (counts.f2 ?? 0), RATIO.requests, `only the pool's servers answer: ${JSON.stringify(counts)}`);
    return { counts, weights };
  });
}

/**
 * f1's agent answers drain: no new request reaches f1 (HAProxy shows it DRAIN), f2 takes them all.
 * Only the agent can undo its drain: its ready brings f1 back into the rotation.
 */
export async function drainStopsNewRequests(s: Stack): Promise<{ drained: string; during: Record<string, number> }> {
  return withFeedback(s, async (members) => {
    await answer(s, members, { f1: '100%', f2: '100%' });
    const before = countIds(await answeredBy(s, 10, 'before'));
    assert.ok((before.f1 ?? 0) > 0 && (before.f2 ?? 0) > 0, `both servers answer before the drain: ${JSON.stringify(before)}`);
    const drained = (await answer(s, members, { f1: 'drain' })).f1!;
    const during = countIds(await answeredBy(s, 40, 'drain'));
    assert.equal(during.f1 ?? 0, 0, `f1's agent answers drain (HAProxy shows f1 ${drained.status}, weight ${drained.weight}): f1 still took ${during.f1} of 40 new requests`);
    assert.equal(during.f2, 40, `f2 takes every request while f1 drains: ${JSON.stringify(during)}`);
    await answer(s, members, { f1: 'ready' });
    const after = countIds(await answeredBy(s, 10, 'after'));
    assert.ok((after.f1 ?? 0) > 0, `f1's agent answers ready: f1 is back in the rotation (${JSON.stringify(after)})`);
    return { drained: `${drained.status} weight ${drained.weight}`, during };
  });
}
