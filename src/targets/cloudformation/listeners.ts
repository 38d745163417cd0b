import type { SecurityHeader } from '../../model/model.js';
import { warning } from '../../diagnostics.js';
import { yamlScalar } from '../../render/escape.js';
import { decision } from '../target.js';
import { VALUES_PER_CONDITION, fixedResponse, redirectTo, type Routing } from './listener-rules.js';
import { everySite } from '../../model/model.js';
import { attribute } from './stickiness.js';
import type { AttributeView, CertificateView, Ctx, ListenerView, RuleView } from './view.js';
import { siteLogicalIds } from './names.js';

/** The HTTPS listener's policy from tls.minVersion when aws.sslPolicy is not given (AWS's recommended TLS 1.3 families). */
export const SSL_POLICIES = { 'TLSv1.2': 'ELBSecurityPolicy-TLS13-1-2-2021-06', 'TLSv1.3': 'ELBSecurityPolicy-TLS13-1-3-2021-06' } as const;

/**
 * AWS's restricted ("-Res-") policies accept, for TLS 1.2, only ECDHE key exchange with AES-GCM:
 * what nginx and HAProxy offer (src/targets/tls.ts), minus CHACHA20.
 */
const RESTRICTED = /^ELBSecurityPolicy-TLS13-1-2-Res-/;
const RESTRICTED_POLICY = 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06';

/**
 * The lowest TLS version an ELB security policy accepts, read from its name ("Security policies for
 * your Application Load Balancer": ...-TLS13-1-2-..., ...-TLS-1-1-..., ...-FS-1-2-...; the older
 * 2015-05, 2016-08 and FS-2018-06 accept TLS 1.0); null for a name that says nothing lbgen knows.
 */
export function policyMinVersion(name: string): string | null {
  const v = /^ELBSecurityPolicy-(?:TLS13|TLS|FS)-1-([0-3])-/.exec(name)?.[1];
  if (v !== undefined) return `TLSv1.${v}`;
  return /^ELBSecurityPolicy-(?:2015-05|2016-08|FS-2018-06)$/.test(name) ? 'TLSv1.0' : null;
}

/** aws.sslPolicy is the ALB's own choice: say where it lets in other TLS versions than nginx and HAProxy do. */
function checkPolicy(ctx: Ctx, policy: string, minVersion: string): void {
  const accepts = policyMinVersion(policy);
  if (accepts === null) {
    ctx.diagnostics.push(warning('/aws/sslPolicy', `"${policy}" is not an ELB security policy name lbgen knows (ELBSecurityPolicy-TLS13-1-2-2021-06, ...): AWS checks it only at deployment`));
  } else if (accepts !== minVersion) {
    ctx.diagnostics.push(warning('/aws/sslPolicy', `${policy} accepts ${accepts} and later, where nginx and HAProxy accept ${minVersion} and later (tls.minVersion)`));
  }
}

/** Listener attributes that add a response header (ListenerAttribute keys in the ELB API reference); ALB has no others. */
const HEADER_ATTRIBUTES: Partial<Record<SecurityHeader['kind'], string>> = {
  hsts: 'routing.http.response.strict_transport_security.header_value',
  contentSecurityPolicy: 'routing.http.response.content_security_policy.header_value',
  contentTypeOptions: 'routing.http.response.x_content_type_options.header_value',
  frameOptions: 'routing.http.response.x_frame_options.header_value',
};

/**
 * The HTTP listener, the HTTPS one when there is TLS, and the rules of each listener that serves
 * the routes (the HTTP one only forwards when it does not redirect). Each listener numbers its
 * rules from 1; a rule's logical id carries its priority, so re-rendering after a route change
 * edits rules in place and never asks CloudFormation to move a priority another rule still holds.
 */
export function listenersView(ctx: Ctx, routing: Routing): { listeners: ListenerView[]; rules: RuleView[]; certificates: CertificateView[] } {
  const m = ctx.model;
  const redirect = m.listen.redirectToHttps && m.listen.https !== null;
  const http: ListenerView = {
    logicalId: 'HttpListener',
    port: m.listen.http,
    protocol: 'HTTP',
    tls: null,
    // strictHost: the HTTP listener redirects the known hosts only (rules below) and answers any other 421, as the proxies do.
    defaultAction: redirect ? (m.strictHost ? fixedResponse(421) : redirectTo(m.listen.https!)) : routing.defaultAction,
    attributes: null,
  };
  if (redirect) {
    const how = m.strictHost ? 'HTTP listener rules with a host-header condition for every known domain' : 'HTTP listener default action';
    ctx.decisions.push(decision('redirect', 'native', `${how}: redirect HTTP_301 to HTTPS port ${m.listen.https}, keeping host, path and query${m.strictHost ? '; any other Host: 421' : ''}`, '/listen/redirectToHttps'));
  }
  const https = httpsListener(ctx, routing);
  const listeners = https ? [http, https] : [http];
  const serving = listeners.filter((l) => l !== http || !redirect);
  const rules = serving.flatMap((l) =>
    routing.rules.map((r, i): RuleView => ({
      logicalId: `${l.logicalId.replace(/Listener$/, '')}Rule${i + 1}`,
      comment: r.comment,
      listener: l.logicalId,
      priority: i + 1,
      hosts: r.hosts,
      paths: r.paths,
      header: r.header,
      sourceIps: r.sourceIps,
      action: r.action,
    })),
  );
  if (redirect && m.strictHost) rules.unshift(...knownHostRedirects(ctx));
  return { listeners, rules, certificates: https ? siteCertificates(ctx) : [] };
}

/** strictHost with the redirect: one rule per few known host names on the HTTP listener, each redirecting to HTTPS. */
function knownHostRedirects(ctx: Ctx): RuleView[] {
  const hosts = everySite(ctx.model).flatMap((s) => s.domains);
  const out: RuleView[] = [];
  for (let i = 0; i < hosts.length; i += VALUES_PER_CONDITION) {
    const n = out.length + 1;
    out.push({ logicalId: `HttpRule${n}`, comment: `strictHost: known hosts are redirected to HTTPS (part ${n})`, listener: 'HttpListener', priority: n, hosts: hosts.slice(i, i + VALUES_PER_CONDITION).map((h) => yamlScalar(h)), paths: null, header: null, sourceIps: null, action: redirectTo(ctx.model.listen.https!) });
  }
  return out;
}

/**
 * Each site with a certificate of its own adds it to the HTTPS listener (the listener's own stays
 * the default, for clients without SNI or with a name no certificate holds); the ALB picks one by
 * SNI among their names. Its ARN is the site's tls.certificateArn, else a parameter of its own.
 */
function siteCertificates(ctx: Ctx): CertificateView[] {
  const sites = ctx.model.sites.filter((s) => s.ownTls);
  const ids = siteLogicalIds(sites.map((s) => s.id!));
  return sites.map((s) => {
    const suffix = ids.get(s.id!)!;
    const arn = s.tls!.certificateArn;
    return {
      logicalId: `Certificate${suffix}`,
      comment: `${s.label}: its certificate, chosen by SNI`,
      parameter: arn ? null : { name: `CertificateArn${suffix}`, description: yamlScalar(`ACM certificate ARN of site ${s.id} (${s.domains.join(', ')}), added to the HTTPS listener.`) },
      certificate: arn ? yamlScalar(arn) : `!Ref CertificateArn${suffix}`,
    };
  });
}

function httpsListener(ctx: Ctx, routing: Routing): ListenerView | null {
  const m = ctx.model;
  if (!m.tls || m.listen.https === null) return null;
  const sslPolicy = m.aws.sslPolicy ?? SSL_POLICIES[m.tls.minVersion];
  if (m.aws.sslPolicy !== null) checkPolicy(ctx, m.aws.sslPolicy, m.tls.minVersion);
  const listener = `HTTPS listener, SslPolicy ${sslPolicy}, certificate ${m.tls.certificateArn ? 'from tls.certificateArn' : 'from the CertificateArn parameter'}`;
  if (policyMinVersion(sslPolicy) !== 'TLSv1.3' && !RESTRICTED.test(sslPolicy)) {
    // nginx and HAProxy offer TLS_1_2_CIPHERS only; AWS's non-restricted policies add CBC and RSA key exchange.
    ctx.decisions.push(decision('tls', 'approximated', `ALB SslPolicy ${sslPolicy} also accepts TLS 1.2 ciphers without forward secrecy or AEAD (AES128-GCM-SHA256, ECDHE-RSA-AES128-SHA256, ...), which nginx and HAProxy refuse: set aws.sslPolicy: ${RESTRICTED_POLICY} (ECDHE with AES-GCM only)`, m.aws.sslPolicy !== null ? '/aws/sslPolicy' : m.tls.pointer));
  } else {
    ctx.decisions.push(decision('tls', 'native', listener, m.tls.pointer));
  }
  ctx.decisions.push(decision('http2', 'native', `load balancer attribute routing.http2.enabled ${m.tls.http2}`, `${m.tls.pointer}/http2`));
  const attributes = securityHeaders(ctx);
  return {
    logicalId: 'HttpsListener',
    port: m.listen.https,
    protocol: 'HTTPS',
    tls: { sslPolicy: yamlScalar(sslPolicy), certificate: m.tls.certificateArn ? yamlScalar(m.tls.certificateArn) : '!Ref CertificateArn' },
    defaultAction: routing.defaultAction,
    attributes: attributes.length ? attributes : null,
  };
}

/** Headers AWS can add on every HTTPS response, its own fixed responses included; the others are the application's job. */
function securityHeaders(ctx: Ctx): AttributeView[] {
  const out: AttributeView[] = [];
  for (const h of ctx.model.securityHeaders) {
    const key = HEADER_ATTRIBUTES[h.kind];
    if (key) {
      out.push(attribute(key, h.value));
      ctx.decisions.push(decision('securityHeaders', 'native', `HTTPS listener attribute ${key}`, h.pointer));
    } else {
      ctx.decisions.push(decision('securityHeaders', 'unsupported', `ALB cannot add ${h.name} (its listener adds only Strict-Transport-Security, Content-Security-Policy, X-Content-Type-Options and X-Frame-Options): the application must send "${h.name}: ${h.value}" itself`, h.pointer));
    }
  }
  return out;
}
