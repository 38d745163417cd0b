/**
 * Proof that the checks can fail: each mutation breaks one mechanism in a copy of the rendered
 * configuration (never in the templates), and the check that covers it must then fail.
 */
import { applicationErrorsKeepServers, largeHeadersAndBodies, onlyWebSocketUpgrades, securityHeaderReplacesApplications, spoofedForwardingDropped } from './checks-edge.js';
import { healthCheckRotation, killWhileTrafficFlows } from './checks-health.js';
import { drainStopsNewRequests, loadFeedbackPool, weightsFollowAgents } from './checks-load-feedback.js';
import { statsNeedLogin } from './checks-stats.js';
import { connectionLimit, jsonAccessLog, metricsEndpoint } from './checks-monitoring.js';
import { allowFrom, forwardedHeaders, rateLimit, securityHeaders, tlsCiphers, tlsProtocols } from './checks-policy.js';
import { cookieStickiness, leastConnPrefersIdle, weightsShareTraffic, redirectsToHttps, roundRobinReachesAll, stickiness, webSocketEchoes } from './checks-routing.js';
import type { ProxyName, Stack } from './stack.js';

export type Mutation = {
  readonly proxy: ProxyName;
  readonly breaks: string;
  readonly mutate: (config: string) => string;
  readonly check: (s: Stack) => Promise<unknown>;
  /** Tries allowed for a check whose failure depends on scheduling (which nginx worker accepts). */
  readonly tries?: number;
  /** The topology edit a check needs (a pool of its own), made just before the stack starts. */
  readonly topology?: () => Promise<(doc: Record<string, unknown>) => void>;
};

/** Replace every match of `pattern`; a pattern that matches nothing is a broken mutation, not a pass. */
export function edit(pattern: RegExp, replacement: string): (config: string) => string {
  return (config) => {
    const out = config.replace(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`), replacement);
    if (out === config) throw new Error(`mutation ${pattern} matches nothing in the rendered configuration`);
    return out;
  };
}

/** Several edits as one mutation (one mechanism that takes more than one line to break). */
const both = (...edits: ((c: string) => string)[]) => (config: string) => edits.reduce((c, e) => e(c), config);

export const NGINX_MUTATIONS: readonly Mutation[] = [
  { proxy: 'nginx', breaks: 'redirect keeps the HTTPS port', mutate: edit(/\$host:\d+\$request_uri/, '$host$request_uri'), check: redirectsToHttps },
  { proxy: 'nginx', breaks: 'least_conn shared zone (per-worker counting)', mutate: edit(/^\s*zone e2e_lc .*\n/m, ''), check: leastConnPrefersIdle, tries: 3 },
  { proxy: 'nginx', breaks: 'WebSocket Connection header', mutate: edit(/proxy_set_header Connection \$\w+;/, 'proxy_set_header Connection "";'), check: webSocketEchoes },
  { proxy: 'nginx', breaks: 'the Connection map (upgrade sent on every request)', mutate: edit(/proxy_set_header Connection \$\w+;/, 'proxy_set_header Connection "upgrade";'), check: webSocketEchoes },
  { proxy: 'nginx', breaks: 'server weights', mutate: edit(/ weight=3/g, ''), check: weightsShareTraffic },
  { proxy: 'nginx', breaks: 'source-address stickiness', mutate: edit(/^\s*hash \$remote_addr consistent;\n/m, ''), check: stickiness },
  { proxy: 'nginx', breaks: 'cookie stickiness (the hash of the cookie\'s value)', mutate: edit(/^\s*hash \$lbgen_sticky_\d+ consistent;\n/m, ''), check: cookieStickiness },
  { proxy: 'nginx', breaks: 'retry on the next upstream', mutate: edit(/proxy_http_version 1\.1;/, 'proxy_http_version 1.1; proxy_next_upstream off;'), check: killWhileTrafficFlows },
  { proxy: 'nginx', breaks: 'allowFrom deny', mutate: edit(/^\s*deny all;\n/m, ''), check: allowFrom },
  { proxy: 'nginx', breaks: 'limit_req_status 429', mutate: edit(/^\s*limit_req_status 429;\n/m, ''), check: rateLimit },
  { proxy: 'nginx', breaks: 'add_header ... always', mutate: edit(/ always;/, ';'), check: securityHeaders },
  { proxy: 'nginx', breaks: 'ssl_ciphers (nginx\'s defaults take ciphers without forward secrecy)', mutate: edit(/^\s*ssl_ciphers .*\n/m, ''), check: tlsCiphers },
  { proxy: 'nginx', breaks: 'X-Forwarded-Proto', mutate: edit(/X-Forwarded-Proto \$scheme/, 'X-Forwarded-Proto http'), check: forwardedHeaders },
  { proxy: 'nginx', breaks: 'the metrics endpoint\'s deny', mutate: edit(/deny all;(\n\n\s*location = \S+ \{\n\s*stub_status;)/, '$1'), check: metricsEndpoint },
  { proxy: 'nginx', breaks: 'the client\'s Host as sent', mutate: edit(/proxy_set_header Host \$http_host/, 'proxy_set_header Host $host'), check: forwardedHeaders },
  { proxy: 'nginx', breaks: 'X-Forwarded-For replaced, not appended to', mutate: edit(/X-Forwarded-For \$remote_addr/, 'X-Forwarded-For $proxy_add_x_forwarded_for'), check: spoofedForwardingDropped },
  { proxy: 'nginx', breaks: 'Upgrade restricted to websocket', mutate: edit(/\(\?<protocol>websocket\)/, '(?<protocol>.+)'), check: onlyWebSocketUpgrades },
  { proxy: 'nginx', breaks: 'proxy_hide_header (the application\'s copy of a security header)', mutate: edit(/^\s*proxy_hide_header .*\n/m, ''), check: securityHeaderReplacesApplications },
  { proxy: 'nginx', breaks: 'client_max_body_size 0 and the 16k proxy buffers', mutate: edit(/^\s*(client_max_body_size|proxy_buffer_size|proxy_buffers|proxy_busy_buffers_size) .*\n/m, ''), check: largeHeadersAndBodies },
  { proxy: 'nginx', breaks: 'the TLS 1.2 floor (TLS 1.1 and a CBC cipher it can use)', mutate: both(edit(/ssl_protocols TLSv1\.2/, 'ssl_protocols TLSv1.1 TLSv1.2'), edit(/^(\s*ssl_ciphers [^;]+);/m, '$1:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0;')), check: tlsProtocols },
  { proxy: 'nginx', breaks: 'http2 on the TLS listener', mutate: edit(/ ssl http2;/, ' ssl;'), check: tlsProtocols },
  { proxy: 'nginx', breaks: 'the headers in the JSON access log\'s bytes', mutate: edit(/"bytes":\$bytes_sent/, '"bytes":$body_bytes_sent'), check: jsonAccessLog },
  { proxy: 'nginx', breaks: 'the upstream address in the JSON access log', mutate: edit(/"upstream":"\$upstream_addr"/, '"upstream":"$server_addr"'), check: jsonAccessLog },
  { proxy: 'nginx', breaks: 'server max_conns', mutate: edit(/ max_conns=\d+/, ''), check: connectionLimit },
];

/** Several edits in a row. */

export const HAPROXY_MUTATIONS: readonly Mutation[] = [
  { proxy: 'haproxy', breaks: 'redirect keeps the HTTPS port', mutate: edit(/\)\]:\d+%\[pathq\]/, ')]%[pathq]'), check: redirectsToHttps },
  { proxy: 'haproxy', breaks: 'balance roundrobin', mutate: edit(/balance roundrobin/, 'balance first'), check: roundRobinReachesAll },
  { proxy: 'haproxy', breaks: 'balance leastconn', mutate: edit(/balance leastconn/, 'balance roundrobin'), check: leastConnPrefersIdle },
  { proxy: 'haproxy', breaks: 'server weights', mutate: edit(/ weight 3/g, ''), check: weightsShareTraffic },
  // Both keep a client: the hash of its address (which survives a reload) and the table over it.
  { proxy: 'haproxy', breaks: 'source-address stickiness (the hash and the table)', mutate: both(edit(/^\s*stick on src\n/m, ''), edit(/^(\s*)balance source\n\s*hash-type consistent\n(\s*stick-table type ipv6 )/m, '$1balance roundrobin\n$2')), check: stickiness },
  { proxy: 'haproxy', breaks: 'cookie stickiness (the inserted cookie)', mutate: edit(/^\s*cookie lbgen insert .*\n/m, ''), check: cookieStickiness },
  { proxy: 'haproxy', breaks: 'option redispatch', mutate: edit(/^\s*option redispatch.*\n/m, ''), check: killWhileTrafficFlows },
  // HAProxy retries by itself a request cut on a reused server connection (it cannot tell it from an
  // idle close): only the cut requests that went on new connections fail, so this may take several kills.
  { proxy: 'haproxy', breaks: 'retry-on empty-response (requests cut by a dying server)', mutate: edit(/^\s*retry-on .*\n/m, ''), check: killWhileTrafficFlows, tries: 5 },
  { proxy: 'haproxy', breaks: 'the health check\'s HTTP/1.1 and Host', mutate: edit(/ ver HTTP\/1\.1 hdr Host \S+/, ''), check: healthCheckRotation },
  { proxy: 'haproxy', breaks: 'the HTTP health check', mutate: edit(/^\s*option httpchk\n(\s*http-check .*\n)*/m, ''), check: healthCheckRotation },
  { proxy: 'haproxy', breaks: 'Upgrade removed outside WebSocket routes', mutate: edit(/^\s*http-request del-header Upgrade.*\n/m, ''), check: webSocketEchoes },
  { proxy: 'haproxy', breaks: 'routing on the decoded path', mutate: edit(/var\(txn\.lbgen_path\)( -i)? -m (str|beg)/, 'path$1 -m $2'), check: allowFrom },
  { proxy: 'haproxy', breaks: 'the refusal of dot segments that decoding reveals', mutate: edit(/^\s*http-request deny deny_status 400 if \{ var\(txn\.lbgen_path\) -m reg .*\n/m, ''), check: allowFrom },
  { proxy: 'haproxy', breaks: 'allowFrom deny', mutate: edit(/^\s*http-request deny deny_status 403 .*\n/m, ''), check: allowFrom },
  { proxy: 'haproxy', breaks: 'deny_status 429', mutate: edit(/deny_status 429/, 'deny_status 403'), check: rateLimit },
  { proxy: 'haproxy', breaks: 'http-after-response (headers on HAProxy\'s own answers)', mutate: edit(/http-after-response set-header/, 'http-response set-header'), check: securityHeaders },
  { proxy: 'haproxy', breaks: 'X-Forwarded-Proto', mutate: edit(/^\s*http-request set-header X-Forwarded-Proto https .*\n/m, ''), check: forwardedHeaders },
  { proxy: 'haproxy', breaks: 'the stats page\'s allowFrom', mutate: edit(/^\s*http-request deny deny_status 403 if !stats_allowed.*\n/m, ''), check: statsNeedLogin },
  { proxy: 'haproxy', breaks: 'the stats login', mutate: both(edit(/^\s*stats auth .*\n/m, ''), edit(/stats admin if .*/, 'stats admin if TRUE')), check: statsNeedLogin },
  { proxy: 'haproxy', breaks: 'the metrics endpoint\'s allowFrom', mutate: edit(/^\s*http-request deny deny_status 403 if !metrics_allowed.*\n/m, ''), check: metricsEndpoint },
  { proxy: 'haproxy', breaks: 'the server address in the JSON access log', mutate: edit(/"upstream":"%si:%sp"/, '"upstream":"%fi:%fp"'), check: jsonAccessLog },
  { proxy: 'haproxy', breaks: 'the JSON error-log-format (a refused handshake logged as text)', mutate: edit(/^\s*error-log-format .*\n/m, ''), check: jsonAccessLog },
  { proxy: 'haproxy', breaks: 'the client\'s X-Forwarded-For removed', mutate: edit(/^\s*http-request del-header X-Forwarded-For\n/m, ''), check: spoofedForwardingDropped },
  { proxy: 'haproxy', breaks: 'Upgrade restricted to websocket', mutate: edit(/ \{ req\.hdr\(upgrade\) -i websocket \}/, ''), check: onlyWebSocketUpgrades },
  { proxy: 'haproxy', breaks: 'observe layer4 (layer7 counts 500s)', mutate: edit(/observe layer4/, 'observe layer7'), check: applicationErrorsKeepServers },
  { proxy: 'haproxy', breaks: 'the TLS 1.2 floor (TLS 1.1 and a CBC cipher it can use)', mutate: both(edit(/ssl-min-ver TLSv1\.2/, 'ssl-min-ver TLSv1.1'), edit(/^(\s*ssl-default-bind-ciphers \S+)$/m, '$1:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0')), check: tlsProtocols },
  { proxy: 'haproxy', breaks: 'ALPN h2', mutate: edit(/ alpn h2,http\/1\.1/, ''), check: tlsProtocols },
  { proxy: 'haproxy', breaks: 'server maxconn', mutate: edit(/ maxconn 1$/m, ''), check: connectionLimit },
  { proxy: 'haproxy', breaks: 'timeout queue', mutate: edit(/^(\s*timeout queue) \S+$/m, '$1 3s'), check: connectionLimit },
  // loadFeedback: without the agent check the weights never move; without the x100 weights an agent's 10% of weight 1 rounds down to 0.
  { proxy: 'haproxy', breaks: 'agent-check (weights that follow the agents)', mutate: edit(/ agent-check agent-port \d+ agent-inter \S+/, ''), check: weightsFollowAgents, topology: loadFeedbackPool },
  { proxy: 'haproxy', breaks: 'the weights scaled for the agents\' percentages', mutate: edit(/^(\s*server f\d \S+) weight 100 /m, '$1 '), check: weightsFollowAgents, topology: loadFeedbackPool },
  { proxy: 'haproxy', breaks: 'agent-check (an agent\'s drain)', mutate: edit(/ agent-check agent-port \d+ agent-inter \S+/, ''), check: drainStopsNewRequests, topology: loadFeedbackPool },
];
