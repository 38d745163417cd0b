/**
 * Proof that the streams checks can fail: each mutation breaks one mechanism in a copy of the
 * rendered configuration, and the check that covers it must then fail.
 */
import { edit } from './mutations.js';
import { allowList, connectionLimit, killedServerLeavesRotation, proxyHeader, sourceStickiness, tcpBalances, udpEchoes } from './checks-streams.js';
import type { StreamProxy, StreamStack } from './stream-stack.js';

export type StreamMutation = { readonly proxy: StreamProxy; readonly breaks: string; readonly mutate: (config: string) => string; readonly check: (s: StreamStack) => Promise<unknown> };

export const STREAM_MUTATIONS: readonly StreamMutation[] = [
  { proxy: 'nginx', breaks: 'round robin in the stream upstream (a hash sends every connection to one server)', mutate: edit(/(upstream l4e2e_rr\.stream \{\n\s+zone [^\n]+\n)/, '$1        hash $remote_addr consistent;\n'), check: tcpBalances },
  { proxy: 'nginx', breaks: 'listen ... udp', mutate: edit(/(listen 127\.0\.0\.1:\d+) udp;/, '$1;'), check: udpEchoes },
  { proxy: 'nginx', breaks: 'hash $remote_addr consistent (source stickiness)', mutate: edit(/(upstream l4e2e_sticky\.stream \{\n\s+zone [^\n]+\n)\s+hash \$remote_addr consistent;\n/, '$1'), check: sourceStickiness },
  { proxy: 'nginx', breaks: 'proxy_protocol on', mutate: edit(/^\s+proxy_protocol on;\n/m, ''), check: proxyHeader },
  { proxy: 'nginx', breaks: 'the stream\'s deny all', mutate: edit(/^\s+deny all;\n/m, ''), check: allowList },
  { proxy: 'nginx', breaks: 'limit_conn in the stream server', mutate: edit(/^\s+limit_conn l4e2e\.stream\.limit \d+;\n/m, ''), check: connectionLimit },
  { proxy: 'nginx', breaks: 'the next upstream after a failed connection', mutate: edit(/proxy_pass l4e2e_rr\.stream;/, 'proxy_next_upstream off; proxy_pass l4e2e_rr.stream;'), check: killedServerLeavesRotation },
  { proxy: 'haproxy', breaks: 'balance roundrobin in the stream', mutate: edit(/(listen l4e2e\.stream\.rr\n[\s\S]*?)balance roundrobin/, '$1balance source'), check: tcpBalances },
  // Both keep a client: the hash of its address (which survives a reload) and the table over it.
  { proxy: 'haproxy', breaks: 'source stickiness (balance source and stick on src)', mutate: (c) => edit(/(listen l4e2e\.stream\.sticky\n[\s\S]*?)balance source\n\s+hash-type consistent\n/, '$1balance roundrobin\n')(edit(/(listen l4e2e\.stream\.sticky\n[\s\S]*?)\n\s+stick on src\n/, '$1\n')(c)), check: sourceStickiness },
  { proxy: 'haproxy', breaks: 'send-proxy-v2', mutate: edit(/ send-proxy-v2/, ''), check: proxyHeader },
  { proxy: 'haproxy', breaks: 'the allow-list\'s tcp-request connection reject', mutate: edit(/^\s+tcp-request connection reject if !stream_allowed.*\n/m, ''), check: allowList },
  { proxy: 'haproxy', breaks: 'the per-client tcp-request connection reject', mutate: edit(/^\s+tcp-request connection reject if \{ sc0_conn_cur gt \d+ \}\n/m, ''), check: connectionLimit },
  { proxy: 'haproxy', breaks: 'option redispatch in the streams\' defaults', mutate: edit(/(mode tcp\n[\s\S]*?)\n\s+option redispatch 1\n/, '$1\n'), check: killedServerLeavesRotation },
];
