/**
 * Proof that the checks can fail: each mutation breaks one mechanism in a copy of the rendered
 * configuration (never in the templates), and the check that covers it must then fail.
 */
import { killWhileTrafficFlows } from './checks-health.js';
import { allowFrom, forwardedHeaders, rateLimit, securityHeaders } from './checks-policy.js';
import { leastConnPrefersIdle, redirectsToHttps, stickiness, webSocketEchoes } from './checks-routing.js';
import type { ProxyName, Stack } from './stack.js';

export type Mutation = {
  readonly proxy: ProxyName;
  readonly breaks: string;
  readonly mutate: (config: string) => string;
  readonly check: (s: Stack) => Promise<unknown>;
  /** Tries allowed for a check whose failure depends on scheduling (which nginx worker accepts). */
  readonly tries?: number;
};

/** Replace every match of `pattern`; a pattern that matches nothing is a broken mutation, not a pass. */
export function edit(pattern: RegExp, replacement: string): (config: string) => string {
  return (config) => {
    const out = config.replace(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`), replacement);
    if (out === config) throw new Error(`mutation ${pattern} matches nothing in the rendered configuration`);
    return out;
  };
}

export const NGINX_MUTATIONS: readonly Mutation[] = [
  { proxy: 'nginx', breaks: 'redirect keeps the HTTPS port', mutate: edit(/\$host:\d+\$request_uri/, '$host$request_uri'), check: redirectsToHttps },
  { proxy: 'nginx', breaks: 'least_conn shared zone (per-worker counting)', mutate: edit(/^\s*zone e2e_lc .*\n/m, ''), check: leastConnPrefersIdle, tries: 3 },
  { proxy: 'nginx', breaks: 'WebSocket Connection header', mutate: edit(/Connection \$connection_upgrade/, 'Connection ""'), check: webSocketEchoes },
  { proxy: 'nginx', breaks: 'the $connection_upgrade map (upgrade sent on every request)', mutate: edit(/Connection \$connection_upgrade/, 'Connection "upgrade"'), check: webSocketEchoes },
  { proxy: 'nginx', breaks: 'source-address stickiness', mutate: edit(/^\s*hash \$remote_addr consistent;\n/m, ''), check: stickiness },
  { proxy: 'nginx', breaks: 'retry on the next upstream', mutate: edit(/proxy_http_version 1\.1;/, 'proxy_http_version 1.1; proxy_next_upstream off;'), check: killWhileTrafficFlows },
  { proxy: 'nginx', breaks: 'allowFrom deny', mutate: edit(/^\s*deny all;\n/m, ''), check: allowFrom },
  { proxy: 'nginx', breaks: 'limit_req_status 429', mutate: edit(/^\s*limit_req_status 429;\n/m, ''), check: rateLimit },
  { proxy: 'nginx', breaks: 'add_header ... always', mutate: edit(/ always;/, ';'), check: securityHeaders },
  { proxy: 'nginx', breaks: 'X-Forwarded-Proto', mutate: edit(/X-Forwarded-Proto \$scheme/, 'X-Forwarded-Proto http'), check: forwardedHeaders },
];
