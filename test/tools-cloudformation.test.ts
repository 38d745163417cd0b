/** AWS's cfn-lint judges every golden scenario's templates (the ALB's, and the NLB's of a case with streams): no error and no warning accepted. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseNames, renderCase } from './helpers/cases.js';
import { renderAlb } from './helpers/cfn.js';
import { cfnLint } from './helpers/validators.js';

for (const name of caseNames()) {
  const out = renderCase(name, ['cloudformation']);
  const r = out.perTarget.get('cloudformation');
  if (out.invalid || !r || 'error' in r) continue;
  for (const f of r.files) {
    test(`cfn-lint accepts ${name}${f.path === 'cloudformation-alb.yaml' ? '' : ` (${f.path})`}`, (t) => {
      const verdict = cfnLint(f.text);
      if (verdict.skipped) return t.skip(verdict.skipped);
      assert.ok(verdict.ok, verdict.output);
    });
  }
}

// Shapes no case folder has: IPv6 ip targets (dualstack), rules on both listeners with every header, '/' rate-limited alone, fixed names.
const extra: Record<string, object> = {
  'ipv6 ip targets': {
    version: 1, name: 'six', servers: { a: { address: '2001:db8::10', port: 8080 } },
    pools: { main: { servers: ['a'], healthCheck: { path: '/health' } } }, routes: [{ path: '/', pool: 'main' }], aws: { targetType: 'ip' },
  },
  'both listeners, every header, WAF on "/" alone': {
    version: 1, name: 'every', listen: { redirectToHttps: false },
    tls: { certificate: '/etc/c.pem', key: '/etc/k.pem' },
    securityHeaders: { hsts: { maxAge: 60, includeSubDomains: true }, frameOptions: 'SAMEORIGIN', contentTypeOptions: 'nosniff', contentSecurityPolicy: "default-src 'self'" },
    servers: { a: { address: '10.0.0.1', port: 80 } }, pools: { main: { servers: ['a'] } },
    routes: [{ path: '/', pool: 'main', rateLimit: { perSecond: 1 }, allowFrom: ['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12', '100.64.0.0/10'] }],
    aws: { waf: true, accessLogs: { create: true } },
  },
  'fixed names, internal with deletion protection, WAF and alarms': {
    version: 1, name: 'fixed', servers: { a: { address: '10.0.0.1', port: 80 } },
    pools: { main: { servers: ['a'] }, 'long-pool-id-that-needs-a-hash-to-fit': { servers: ['a'] } },
    routes: [{ path: '/', pool: 'main', rateLimit: { perSecond: 5 } }, { path: '/b', pool: 'long-pool-id-that-needs-a-hash-to-fit' }],
    monitoring: { alerts: { errorRatePercent: 5, unhealthyServersPercent: 50 } },
    aws: { fixedNames: true, scheme: 'internal', deletionProtection: true, waf: true },
  },
};
for (const [label, topology] of Object.entries(extra)) {
  test(`cfn-lint accepts ${label}`, (t) => {
    const verdict = cfnLint(renderAlb(topology).text);
    if (verdict.skipped) return t.skip(verdict.skipped);
    assert.ok(verdict.ok, verdict.output);
  });
}
