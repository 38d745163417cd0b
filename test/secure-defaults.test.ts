/**
 * Secure by default (issue 13): HAProxy drops root into a chroot with a root-only runtime API
 * socket unless told otherwise, the stats page answers this machine only and takes the HTTPS
 * certificate, nginx's access-log file is a field. The real proxies show the behaviour in
 * e2e-secure.test.ts; the validators judge every golden in tools-*.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse } from '../src/pipeline.js';
import { ONE_SERVER, TLS, type Topology, inline, refusedWith, renderOne } from './helpers/inline.js';

const BASE: Topology = { ...ONE_SERVER, stats: { port: 8404, user: 'ops', passwordEnv: 'PW' } };

const render = (t: Topology, target: 'haproxy' | 'nginx' = 'haproxy'): string => renderOne(inline(BASE, t), target);
const globalSection = (cfg: string) => cfg.slice(cfg.indexOf('\nglobal\n'), cfg.indexOf('\ndefaults\n')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const statsBinds = (cfg: string) => cfg.slice(cfg.indexOf('\nlisten app.stats\n')).split('\n').filter((l) => /^\s+bind /.test(l)).map((l) => l.trim());

const refusedAt = (t: Topology): string[] => refusedWith(inline(BASE, t), ['haproxy', 'nginx']);

test('by default HAProxy runs as Debian configures it: chroot, a root-only admin socket, user and group haproxy', () => {
  const g = globalSection(render({}));
  for (const line of ['chroot /var/lib/haproxy', 'stats socket /run/haproxy/admin.sock mode 600 level admin', 'user haproxy', 'group haproxy']) {
    assert.ok(g.includes(line), `global has "${line}": ${g.join(' | ')}`);
  }
});

test('haproxy.user, group, chroot and adminSocket: other values, and null leaves each line out (a non-root start)', () => {
  const g = globalSection(render({ haproxy: { user: 'lb', group: 'lb', chroot: '/srv/empty', adminSocket: '/run/lb/api.sock' } }));
  for (const line of ['chroot /srv/empty', 'stats socket /run/lb/api.sock mode 600 level admin', 'user lb', 'group lb']) assert.ok(g.includes(line), line);
  const none = globalSection(render({ haproxy: { user: null, group: null, chroot: null, adminSocket: null } }));
  assert.deepEqual(none.filter((l) => /^(chroot|stats socket|user|group) /.test(l)), []);
});

test('a user, group or path that could break out of its line is refused at its field', () => {
  assert.deepEqual(refusedAt({ haproxy: { user: 'root\n    user root' } }), ["haproxy.user: must be a user or group name (1-32 letters, digits, '.', '_' or '-', not starting with a digit, '.' or '-'), or null (got \"root\\n    user root\")"]);
  assert.match(refusedAt({ haproxy: { group: '0' } })[0]!, /^haproxy\.group: must be a user or group name/);
  assert.match(refusedAt({ haproxy: { chroot: 'var/lib/haproxy' } })[0]!, /^haproxy\.chroot: must be an absolute file path/);
  assert.match(refusedAt({ haproxy: { adminSocket: `/run/${'s'.repeat(103)}` } })[0]!, /^haproxy\.adminSocket: must be at most 107 characters long/);
  assert.match(refusedAt({ nginx: { accessLog: '/var/log/nginx/a.log; error_log /etc/passwd' } })[0]!, /^nginx\.accessLog: must be an absolute file path/);
  assert.match(refusedAt({ nginx: { accessLog: 'access.log' } })[0]!, /^nginx\.accessLog: must be an absolute file path/);
});

test('the stats page answers this machine only unless stats.allowFrom says otherwise', () => {
  const cfg = render({});
  assert.ok(cfg.includes('    acl stats_allowed6 src ::1/128\n    acl stats_allowed4 src 127.0.0.1/32\n    http-request deny deny_status 403 if !stats_allowed6 !stats_allowed4'), cfg);
  const wider = render({ stats: { ...(BASE.stats as object), allowFrom: ['10.0.0.0/8'] } });
  assert.ok(wider.includes('    acl stats_allowed4 src 10.0.0.0/8\n') && !wider.includes('127.0.0.1/32'));
});

test('with TLS the stats page takes the HTTPS certificate; without, it stays plain HTTP', () => {
  assert.deepEqual(statsBinds(render({ tls: TLS })), ['bind 0.0.0.0:8404 ssl crt /etc/haproxy/b.pem', 'bind :::8404 v6only ssl crt /etc/haproxy/b.pem']);
  assert.deepEqual(statsBinds(render({})), ['bind 0.0.0.0:8404', 'bind :::8404 v6only']);
});

test('nginx.accessLog is the access_log file (default /var/log/nginx/access.log)', () => {
  assert.match(render({}, 'nginx'), /^ {4}access_log \/var\/log\/nginx\/access\.log lbgen_json;$/m);
  assert.match(render({ nginx: { accessLog: '/srv/logs/lb.access.log' } }, 'nginx'), /^ {4}access_log \/srv\/logs\/lb\.access\.log lbgen_json;$/m);
});

test('a user without a group is warned about: the workers would keep root\'s group', () => {
  const warnings = (h: Topology) => analyse(JSON.stringify({ ...BASE, haproxy: h }), { file: 't.yaml', targets: ['haproxy'] }).diagnostics.filter((d) => d.severity === 'warning' && d.pointer.startsWith('/haproxy')).map((d) => `${d.path}: ${d.message}`);
  assert.deepEqual(warnings({ group: null }), ['haproxy.group: haproxy.group is null while haproxy.user is haproxy: the workers keep the group that starts HAProxy (root\'s, when started as root); set a group']);
  assert.deepEqual(warnings({ user: null, group: null }), []);
  assert.deepEqual(warnings({}), []);
});
