/**
 * Check 10 (HAProxy): the stats page refuses anonymous access, and no anonymous request can change
 * a server's state; the same admin request with the login does, so the refusal is not vacuous.
 */
import assert from 'node:assert/strict';
import { type Reply, request } from './client.js';
import { until } from './proc.js';
import type { Stack } from './stack.js';
import { STATS } from './topology.js';

type ServerRow = { backend: string; server: string; status: string };

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The page is served over HTTPS when the topology has TLS (the e2e topology does), plain HTTP otherwise. */
export function stats(s: Stack, o: { path?: string; auth?: string; method?: string; body?: string; from?: string; tls?: boolean } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (o.auth) headers.authorization = o.auth;
  if (o.body) headers['content-type'] = 'application/x-www-form-urlencoded';
  return request({ port: s.ports.stats, path: o.path ?? STATS.path, tls: o.tls ?? s.model.tls !== null, headers, ...(o.method ? { method: o.method } : {}), ...(o.body ? { body: o.body } : {}), ...(o.from ? { from: o.from } : {}) });
}

/** Server rows of the CSV export, read with the login. */
async function servers(s: Stack): Promise<ServerRow[]> {
  const r = await stats(s, { path: `${STATS.path};csv`, auth: basic(STATS.user, s.statsPassword) });
  assert.equal(r.status, 200, `stats CSV with the login: ${r.status} ${r.body.slice(0, 200)}`);
  const [head, ...rows] = r.body.trim().split('\n');
  const cols = head!.replace(/^# /, '').split(',');
  const at = (name: string) => cols.indexOf(name);
  return rows.map((line) => line.split(','))
    .filter((f) => f[at('svname')] !== 'FRONTEND' && f[at('svname')] !== 'BACKEND')
    .map((f) => ({ backend: f[at('pxname')]!, server: f[at('svname')]!, status: f[at('status')]! }));
}

const postAction = (row: ServerRow, action: string) => `s=${encodeURIComponent(row.server)}&action=${action}&b=${encodeURIComponent(row.backend)}`;

export async function statsNeedLogin(s: Stack): Promise<void> {
  for (const auth of [undefined, basic(STATS.user, 'wrong'), basic('nobody', s.statsPassword)]) {
    const r = await stats(s, auth ? { auth } : {});
    assert.equal(r.status, 401, `GET ${STATS.path} ${auth ? 'with a wrong login' : 'anonymously'}: ${r.status}`);
  }
  const page = await stats(s, { auth: basic(STATS.user, s.statsPassword) });
  assert.equal(page.status, 200, 'the stats page opens with the login from the environment');
  // stats.allowFrom: the login is not enough from another address.
  const elsewhere = await stats(s, { auth: basic(STATS.user, s.statsPassword), from: '127.0.0.3' });
  assert.equal(elsewhere.status, 403, `the stats page from 127.0.0.3 (not in stats.allowFrom), with the login: ${elsewhere.status}`);
  const rows = await servers(s);
  const target = rows.find((r) => r.status.startsWith('UP'));
  assert.ok(target, `a server that is UP: ${JSON.stringify(rows)}`);
  for (const action of ['maint', 'disable', 'drain', 'shutdown']) {
    const r = await stats(s, { method: 'POST', body: postAction(target, action) });
    assert.ok(r.status === 401 || r.status === 403, `anonymous POST action=${action}: ${r.status}`);
  }
  const after = (await servers(s)).find((r) => r.backend === target.backend && r.server === target.server)!;
  assert.equal(after.status, target.status, `anonymous POSTs left ${target.backend}/${target.server} ${target.status}`);
  await adminWorksWithLogin(s, target);
}

/** The control: the same request with the login puts the server in maintenance; then it is made ready again. */
async function adminWorksWithLogin(s: Stack, target: ServerRow): Promise<void> {
  const auth = basic(STATS.user, s.statsPassword);
  await stats(s, { method: 'POST', body: postAction(target, 'maint'), auth });
  const during = (await servers(s)).find((r) => r.backend === target.backend && r.server === target.server)!;
  await stats(s, { method: 'POST', body: postAction(target, 'ready'), auth });
  assert.equal(during.status, 'MAINT', 'with the login, the same POST does change the state (so the anonymous refusal means something)');
}

/**
 * An operator's maintenance, with the login: `server` of `backend` goes to MAINT and back, and is
 * UP again on return. A state change such as a failed health check makes: HAProxy reports it in
 * its log, which the access-log check reads.
 */
export async function serverMaintenanceCycle(s: Stack, backend: string, server: string): Promise<void> {
  const auth = basic(STATS.user, s.statsPassword);
  const row = { backend, server, status: '' };
  const state = async () => (await servers(s)).find((r) => r.backend === backend && r.server === server)?.status;
  await stats(s, { method: 'POST', body: postAction(row, 'maint'), auth });
  assert.equal(await state(), 'MAINT', `${backend}/${server} in maintenance`);
  await stats(s, { method: 'POST', body: postAction(row, 'ready'), auth });
  await until(`${backend}/${server} UP again`, 3000, async () => ((await state())?.startsWith('UP') ? true : undefined));
}
