/**
 * Injection corpus: every string field that reaches a config gets hostile values. Each value is either
 * refused by validation with an error at that field's position, or rendered inert: the real
 * validators accept every output and no line, directive or YAML key appears that the topology did
 * not ask for (the output has the shape of the same topology with a harmless value).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import yaml from 'js-yaml';
import { LbgenError } from '../src/diagnostics.js';
import { packageRoot } from '../src/paths.js';
import { analyse, generate } from '../src/pipeline.js';
import { TARGET_NAMES } from '../src/targets/index.js';
import { cfnLint, haproxyCheck, nginxCheck, pathsOf } from './helpers/validators.js';

const HOSTILE = [
  'a"b', "a'b", 'a;b', 'a{b}', 'a#b', 'a b', 'a\\b', '$host', '${LBGEN_STATS_PASSWORD}', '%[src]', '100%',
  'a\nb', 'a\rb', 'a\tb', 'a\u0000b', 'a\u2028b', 'a\u0085b', '</script>', "'; deny all; '", '"; return 200 "x',
  'x}\n    server { listen 81; }\n#', '- injected: true', 'ok\n  Injected: !Ref AWS::AccountId', 'é', 'x'.repeat(5000),
];

/** The fields of the reference topology that reach a config, as [pointer, harmless value]. */
const FIELDS: [string, string][] = [
  ['/name', 'app'], ['/domains/0', 'example.org'], ['/listen/address', '127.0.0.1'],
  ['/tls/certificate', '/etc/ssl/a.pem'], ['/tls/key', '/etc/ssl/a.key'], ['/tls/bundle', '/etc/ssl/b.pem'],
  ['/tls/certificateArn', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc'],
  ['/securityHeaders/contentSecurityPolicy', 'default-src self'], ['/securityHeaders/frameOptions', 'DENY'],
  ['/servers/app1/address', 'app1.example.com'], ['/pools/websocket/sticky/cookie', 'sid'],
  ['/pools/http/healthCheck/path', '/healthz'], ['/pools/http/healthCheck/host', 'health.example.org'], ['/routes/1/path', '/apix'], ['/routes/2/allowFrom/0', '10.0.0.0/8'],
  ['/stats/user', 'ops'], ['/stats/passwordEnv', 'PW'], ['/stats/path', '/s'], ['/stats/allowFrom/0', '10.0.0.0/8'],
  ['/listen/trustedProxies/0', '10.0.0.0/8'],
  ['/aws/accessLogs/bucket', 'my-bucket'], ['/aws/sslPolicy', 'ELBSecurityPolicy-TLS13-1-2-2021-06'],
  ['/nginx/version', '1.22'], ['/haproxy/version', '2.6'], ['/nginx/accessLog', '/var/log/nginx/a.log'],
  ['/haproxy/user', 'haproxy'], ['/haproxy/group', 'haproxy'], ['/haproxy/chroot', '/var/lib/haproxy'], ['/haproxy/adminSocket', '/run/haproxy/a.sock'], ['/monitoring/alerts/notify', 'arn:aws:sns:eu-west-1:123456789012:ops'],
];

const reference = (): Record<string, unknown> => {
  const t = yaml.load(readFileSync(join(packageRoot, 'examples', 'verb-app.yaml'), 'utf8')) as Record<string, unknown>;
  (t.pools as Record<string, Record<string, unknown>>).websocket!.sticky = { by: 'cookie', cookie: 'sid' };
  t.monitoring = { alerts: { errorRatePercent: 5, notify: 'arn:aws:sns:eu-west-1:123456789012:ops' } };
  t.nginx = { version: '1.22' };
  t.haproxy = { version: '2.6' };
  t.stats = { ...(t.stats as object), allowFrom: ['10.0.0.0/8'] };
  t.listen = { ...(t.listen as object), trustedProxies: ['10.0.0.0/8'] };
  t.aws = { ...(t.aws as object), sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06' };
  return t;
};

function withValue(pointer: string, value: string): string {
  const t = reference();
  const segs = pointer.slice(1).split('/');
  let node = t as Record<string, unknown>;
  for (const s of segs.slice(0, -1)) node = node[s] as Record<string, unknown>;
  node[segs[segs.length - 1]!] = value;
  return JSON.stringify(t); // JSON is YAML: the value arrives exactly as written
}

/** The shape of an output: its line count, and for YAML its key paths. */
function shape(path: string, text: string): string {
  if (!path.endsWith('.yaml')) return `${text.split('\n').length} lines`;
  const keys: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) { keys.push(`${at}/${k}`); walk(c, `${at}/${k}`); }
  };
  walk(yaml.load(text.replace(/!(Ref|GetAtt|Sub|Select|Join|If|Equals|Not|GetAZs|Split)\b/g, '')), '');
  return `${text.split('\n').length} lines; ${keys.length} keys`;
}

type Outcome = { refused: true } | { refused: false; files: Map<string, string> };

function run(text: string, pointer: string, value: string): Outcome {
  try {
    return { refused: false, files: new Map(generate(text, { file: 't.yaml', targets: TARGET_NAMES }).files.map((f) => [f.path, f.text])) };
  } catch (e) {
    if (!(e instanceof LbgenError)) throw new Error(`${pointer} = ${JSON.stringify(value)} crashed: ${(e as Error).message}`);
    const at = e.diagnostics.filter((d) => d.severity === 'error' && (d.pointer === pointer || d.pointer.startsWith(`${pointer}/`)));
    assert.ok(at.length > 0, `${pointer} = ${JSON.stringify(value)}: refused, but not at the field: ${e.diagnostics.map((d) => `${d.path}: ${d.message}`).join('; ')}`);
    assert.ok(at.every((d) => d.line >= 1 && d.column >= 1));
    return { refused: true };
  }
}

for (const [pointer, harmless] of FIELDS) {
  test(`injection: ${pointer}`, (t) => {
    const base = run(withValue(pointer, harmless), pointer, harmless);
    assert.ok(!base.refused, `the harmless value of ${pointer} renders`);
    let accepted = 0;
    for (const value of HOSTILE) {
      const text = withValue(pointer, value);
      const out = run(text, pointer, value);
      if (out.refused) continue;
      accepted++;
      for (const [path, body] of out.files) assert.equal(shape(path, body), shape(path, base.files.get(path)!), `${pointer} = ${JSON.stringify(value)} changed the shape of ${path}`);
      const paths = pathsOf(analyse(text, { file: 't.yaml', targets: [] }).model);
      for (const v of [nginxCheck(out.files.get('nginx.conf')!, paths), haproxyCheck(out.files.get('haproxy.cfg')!, paths, { LBGEN_STATS_PASSWORD: 'x' }), cfnLint(out.files.get('cloudformation-alb.yaml')!)]) {
        if (v.skipped) t.diagnostic(v.skipped);
        else assert.ok(v.ok, `${pointer} = ${JSON.stringify(value)}: ${v.output}`);
      }
    }
    t.diagnostic(`${accepted} of ${HOSTILE.length} hostile values rendered inert, the rest refused at ${pointer}`);
  });
}
