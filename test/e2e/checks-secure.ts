/**
 * Issue 13, secure by default, on the real HAProxy: its worker drops root into the chroot, the
 * runtime API socket (root only) drains a server and puts it in maintenance without a reload, and
 * the stats page answers only HTTPS, only from this machine by default. And nginx writes its access
 * log to the file nginx.accessLog names (the harness points it into the sandbox).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { echoOf, request } from './client.js';
import { until } from './proc.js';
import type { Stack } from './stack.js';
import { basic, stats } from './checks-stats.js';
import { BACKEND_IDS, ROUTES, STATS } from './topology.js';

/** The pool and server the runtime API checks take out and bring back (round robin over BACKEND_IDS). */
export const DRAINED = { backend: 'e2e_rr', server: 'b1' } as const;

/** The stats page with its default allowFrom (the e2e topology narrows it to 127.0.0.1/32). */
export function defaultStatsAllowFrom(doc: Record<string, unknown>): void {
  delete (doc.stats as Record<string, unknown>).allowFrom;
}

/** Real, effective, saved and filesystem ids of a process, from /proc/<pid>/status. */
function ids(pid: number, key: 'Uid' | 'Gid'): number[] {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, `/proc/${pid}/status has a ${key} line`);
  return m.slice(1).map(Number);
}

/** HAProxy's worker (the process itself with -db) runs as haproxy.user and haproxy.group, inside haproxy.chroot. */
export function workerDropsRoot(s: Stack): { uid: number; gid: number; root: string } {
  const { user, group, chroot } = s.model.haproxy;
  assert.ok(user && group && chroot, 'the stack runs HAProxy with user, group and chroot (as root)');
  const pid = s.proc.child.pid!;
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
  assert.notEqual(uid, 0, `user ${user} is not root`);
  assert.deepEqual(ids(pid, 'Uid'), [uid, uid, uid, uid], `HAProxy's worker runs as ${user} (${uid}), with no way back to root`);
  assert.deepEqual(ids(pid, 'Gid'), [gid, gid, gid, gid], `HAProxy's worker runs as group ${group} (${gid})`);
  const root = readlinkSync(`/proc/${pid}/root`);
  assert.equal(root, chroot, `HAProxy's worker sees ${chroot} as /`);
  return { uid, gid, root };
}

/** One command on HAProxy's runtime API: it answers and closes the connection. */
export function cli(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect({ path: socket });
    let out = '';
    c.setEncoding('utf8');
    c.setTimeout(5000, () => c.destroy(new Error(`no answer to "${command}" on ${socket}`)));
    c.on('connect', () => c.write(`${command}\n`));
    c.on('data', (d: string) => (out += d));
    c.on('end', () => resolve(out.trim()));
    c.on('error', reject);
  });
}

/** Which backends answer `count` requests on the round-robin route, in order. */
async function answeredBy(s: Stack, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(echoOf(await request({ port: s.ports.https, path: `${ROUTES.rr}/${i}` })).id);
  return out;
}

/**
 * The runtime API socket (mode 600, so root only) at admin level: `set server ... state drain` and
 * `state maint` each stop new requests to the server at once, and `state ready` brings it back.
 */
export async function drainThroughAdminSocket(s: Stack): Promise<void> {
  const socket = s.adminSocket;
  const mode = statSync(socket).mode & 0o777;
  assert.equal(mode.toString(8), '600', `${socket} is read and written by its owner only`);
  const target = `${DRAINED.backend}/${DRAINED.server}`;
  // Round robin over the pool: each server answers within one turn.
  assert.ok((await answeredBy(s, BACKEND_IDS.length * 2)).includes(DRAINED.server), `${DRAINED.server} answers before it is drained`);
  for (const state of ['drain', 'maint']) {
    const said = await cli(socket, `set server ${target} state ${state}`);
    assert.equal(said, '', `set server ${target} state ${state}: HAProxy answered ${JSON.stringify(said)}`);
    const during = await answeredBy(s, BACKEND_IDS.length * 4);
    assert.ok(!during.includes(DRAINED.server), `${target} in ${state} still took new requests: ${during.join(' ')}`);
    assert.equal(await cli(socket, `set server ${target} state ready`), '', `set server ${target} state ready`);
    await until(`${target} answering again after state ready`, 5000, async () => ((await answeredBy(s, BACKEND_IDS.length)).includes(DRAINED.server) ? true : undefined), 100);
  }
}

/**
 * The stats page with TLS in the topology and its default allowFrom: plain HTTP gets no answer;
 * over HTTPS this machine's 127.0.0.1 opens it with the login, another loopback address (outside
 * 127.0.0.1/32 and ::1/128) gets 403 even with the login.
 */
export async function statsHttpsFromLoopbackOnly(s: Stack): Promise<void> {
  assert.ok(s.model.tls, 'the topology has TLS');
  const auth = basic(STATS.user, s.statsPassword);
  const plain = await stats(s, { auth, tls: false }).then((r) => `answered ${r.status}`, () => null);
  assert.equal(plain, null, `plain HTTP to the stats port, with the login: ${plain}`);
  const local = await stats(s, { auth });
  assert.equal(local.status, 200, `HTTPS from 127.0.0.1 with the login: ${local.status}`);
  const other = await stats(s, { auth, from: '127.0.0.3' });
  assert.equal(other.status, 403, `HTTPS from 127.0.0.3 (outside the default stats.allowFrom) with the login: ${other.status}`);
}

/** A request's line appears in the file nginx.accessLog names. */
export async function accessLogAtField(s: Stack): Promise<string> {
  const mark = randomBytes(6).toString('hex');
  await request({ port: s.ports.https, path: `${ROUTES.rr}?mark=${mark}` });
  // nginx writes the line once it has finished the request, which may be just after the client has the answer.
  return until(`a line for ?mark=${mark} in ${s.model.nginx.accessLog} (nginx.accessLog)`, 3000, async () => s.accessLog().find((l) => l.includes(mark)));
}
