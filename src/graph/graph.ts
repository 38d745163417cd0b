/**
 * The picture of a topology as plain data (lbgen graph): listeners → sites → routes → pools →
 * servers, each node marked where a target approximates or cannot realise what it stands for. The
 * printers (dot.ts, mermaid.ts) only lay this out; the JSON format prints it as it is.
 *
 * Node ids are made here from positions, never from user strings: a printer writes them bare.
 * Every title and detail is unescaped text: each printer escapes it for its own syntax.
 */
import { byCodeUnit } from '../diagnostics.js';
import { formatDuration } from '../model/duration.js';
import { type Model, type Pool, type Route, type Server, everySite, serverPointer } from '../model/model.js';
import type { Analysis } from '../pipeline.js';
import type { Feature, TargetName } from '../targets/target.js';
import { markNodes } from './marks.js';

export type NodeKind = 'balancer' | 'listener' | 'site' | 'route' | 'pool' | 'server';

/** What one target does not realise as written at a node: each feature it approximates, or lacks. */
export type Mark = { readonly target: TargetName; readonly outcome: 'approximated' | 'unsupported'; readonly features: readonly Feature[] };

export type GraphNode = {
  readonly id: string;
  readonly kind: NodeKind;
  readonly title: string;
  readonly details: readonly string[];
  /** Where in the topology this node is written: a decision at or under one of these places marks it (marks.ts). */
  readonly owns: readonly string[];
  readonly marks: readonly Mark[];
  /** Drawn pale: a pool no route uses, a server no pool lists. */
  readonly idle: boolean;
};

/** A site: its entry node (the domains it answers) and its routes, drawn as one box. */
export type Cluster = { readonly id: string; readonly title: string; readonly nodes: readonly string[] };

export type Edge = { readonly from: string; readonly to: string; readonly label: string | null; readonly dashed: boolean };

export type TopologyGraph = {
  readonly name: string;
  /** The targets whose decisions mark the nodes, in the order asked. */
  readonly targets: readonly TargetName[];
  /** In drawing order: balancer notes, listeners, then each site's nodes, pools, servers. */
  readonly nodes: readonly GraphNode[];
  readonly clusters: readonly Cluster[];
  readonly edges: readonly Edge[];
};

type Unmarked = Omit<GraphNode, 'marks'>;

const node = (id: string, kind: NodeKind, title: string, details: (string | null | false)[], owns: string[], idle = false): Unmarked => ({
  id, kind, title, details: details.filter((d): d is string => typeof d === 'string'), owns, idle,
});

const edge = (from: string, to: string, label: string | null = null, dashed = false): Edge => ({ from, to, label, dashed });

/** A site as the graph needs it. Today the topology has one, the default (top-level domains and routes); `sites:` (issue 17) adds entries here. */
type SiteSource = { readonly name: string; readonly domains: readonly string[]; readonly routes: readonly Route[]; readonly owns: readonly string[] };

function sitesOf(m: Model): SiteSource[] {
  return everySite(m).map((s) => (s.id === null
    ? { name: 'default', domains: m.domains, routes: m.routes, owns: ['/domains', '/routes', '/securityHeaders', '/strictHost'] }
    : { name: s.id, domains: s.domains, routes: s.routes, owns: [s.pointer, `${s.pointer}/domains`, `${s.pointer}/tls`, `${s.pointer}/routes`] }));
}

/** Each L4 service (streams): a listener of its own with an edge straight to its pool. */
function streamListeners(m: Model, poolIds: ReadonlyMap<Pool, string>): { nodes: Unmarked[]; edges: Edge[] } {
  const nodes = m.streams.map((st, i) => node(`stream${i}`, 'listener', `${st.protocol.toUpperCase()} :${st.port} (${st.id})`, [
    st.proxyProtocol && 'PROXY protocol to the servers',
    st.allowFrom !== null && `allow ${count(st.allowFrom.length, 'network', 'networks')}`,
    st.connectionsPerClient !== null && `at most ${st.connectionsPerClient} connections per client`,
  ], [st.pointer]));
  return { nodes, edges: m.streams.map((st, i) => edge(`stream${i}`, poolIds.get(st.pool)!)) };
}

/** The HTTP and HTTPS listeners and where each sends its requests (the L4 ones are streamListeners'). */
function listeners(m: Model, siteIds: readonly string[]): { nodes: Unmarked[]; edges: Edge[] } {
  const at = (port: number) => (m.listen.address === null ? `:${port}` : `${m.listen.addressFamily === 6 ? `[${m.listen.address}]` : m.listen.address}:${port}`);
  const shared = [
    m.listen.proxyProtocol && 'PROXY protocol',
    m.listen.trustedProxies !== null && `client address from ${count(m.listen.trustedProxies.length, 'trusted proxy network', 'trusted proxy networks')}`,
  ];
  const http = node('listen_http', 'listener', `HTTP ${at(m.listen.http)}`, shared, ['/listen', '/listen/http', '/listen/redirectToHttps']);
  const nodes = [http];
  const edges: Edge[] = [];
  const toSites = (from: string) => siteIds.map((s) => edge(from, s));
  if (m.tls && m.listen.https !== null) {
    const https = node('listen_https', 'listener', `HTTPS ${at(m.listen.https)}`, [`TLS ${m.tls.minVersion.slice(4)} or later`, m.tls.http2 && 'HTTP/2', ...shared], ['/listen', '/listen/https', '/tls']);
    nodes.push(https);
    edges.push(...(m.listen.redirectToHttps ? [edge(http.id, https.id, 'redirect 301', true)] : toSites(http.id)), ...toSites(https.id));
  } else {
    edges.push(...toSites(http.id));
  }
  return { nodes, edges };
}

/** At most this many domains are listed in a site's box; the rest are counted. */
const DOMAINS_SHOWN = 4;

function site(s: SiteSource, index: number, poolIds: ReadonlyMap<Pool, string>): { nodes: Unmarked[]; edges: Edge[]; cluster: Cluster } {
  const id = `site${index}`;
  const domains = s.domains.length === 0 ? ['any Host'] : s.domains.slice(0, DOMAINS_SHOWN);
  if (s.domains.length > DOMAINS_SHOWN) domains.push(`and ${s.domains.length - DOMAINS_SHOWN} more`);
  const entry = node(id, 'site', domains[0]!, domains.slice(1), [...s.owns]);
  const nodes = [entry];
  const edges: Edge[] = [];
  // By path, as a reader looks one up (/api beside /api/v2; the longest matching path wins whatever the order): the JSON
  // and the DOT and Mermaid sources keep it; both layouts reorder a column to save crossings (Graphviz groups the routes
  // by pool, each group in this order; ordering=out and invisible edges do not hold inside a cluster).
  [...s.routes].sort((a, b) => byCodeUnit(a.path, b.path) || a.index - b.index).forEach((r, i) => {
    const rid = `${id}_r${i}`;
    nodes.push(node(rid, 'route', r.path, routeDetails(r), [r.pointer]));
    edges.push(edge(id, rid), edge(rid, poolIds.get(r.pool)!));
    // A staged rollout: the share of new clients sent to the canary pool, dashed.
    if (r.canary) edges.push(edge(rid, poolIds.get(r.canary.pool)!, `canary ${r.canary.weight}%`, true));
  });
  return { nodes, edges, cluster: { id: `cluster_${id}`, title: `site ${s.name}`, nodes: nodes.map((n) => n.id) } };
}

function routeDetails(r: Route): (string | false)[] {
  const allow = r.allowFrom && (r.inheritsFrom ? `allow-list of ${r.inheritsFrom.path}` : `allow ${count(r.allowFrom.length, 'network', 'networks')}`);
  return [
    r.websocket && 'WebSocket',
    r.rateLimit !== null && `${r.rateLimit.perSecond}/s per client${r.rateLimit.burst ? `, burst ${r.rateLimit.burst}` : ''}`,
    allow ?? false,
  ];
}

function pool(p: Pool, id: string): Unmarked {
  const sticky = p.sticky && (p.sticky.by === 'source-ip' ? 'sticky by source address' : `sticky by cookie ${p.sticky.cookie}`);
  const check = p.healthCheck && `check ${p.healthCheck.path} every ${formatDuration(p.healthCheck.interval)}`;
  return node(id, 'pool', `pool ${p.id}`, [p.balance, sticky, check, !p.used && 'no route uses it'], [p.pointer], !p.used);
}

function server(s: Server, id: string, listed: boolean): Unmarked {
  const address = s.family === 'ipv6' ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
  return node(id, 'server', s.id, [address, s.maxConnections !== null && `at most ${s.maxConnections} connections`, !listed && 'in no pool'], [serverPointer(s)], !listed);
}

/** A pool's edge to a server says what differs from an even share: a weight, a backup. */
function memberEdge(from: string, to: string, s: Server): Edge {
  const label = [s.weight !== 1 && `weight ${s.weight}`, s.backup && 'backup'].filter(Boolean).join(', ');
  return edge(from, to, label || null, s.backup);
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function buildGraph(analysis: Analysis): TopologyGraph {
  const m = analysis.model;
  const poolIds = new Map(m.pools.map((p, i) => [p, `pool${i}`] as const));
  const serverIds = new Map(m.servers.map((s, i) => [s.id, `server${i}`] as const));
  const sites = sitesOf(m).map((s, i) => site(s, i, poolIds));
  const front = listeners(m, sites.map((s) => s.nodes[0]!.id));
  const l4 = streamListeners(m, poolIds);
  const listed = new Set(m.pools.flatMap((p) => p.members.map((s) => s.id)));
  const balancer = node('balancer', 'balancer', `${m.name}, balancer-wide`, [], ['']);
  const unmarked: Unmarked[] = [
    balancer,
    ...front.nodes,
    ...l4.nodes,
    ...sites.flatMap((s) => s.nodes),
    ...m.pools.map((p) => pool(p, poolIds.get(p)!)),
    ...m.servers.map((s) => server(s, serverIds.get(s.id)!, listed.has(s.id))),
  ];
  const edges = [
    ...front.edges,
    ...l4.edges,
    ...sites.flatMap((s) => s.edges),
    ...m.pools.flatMap((p) => p.members.map((s) => memberEdge(poolIds.get(p)!, serverIds.get(s.id)!, s))),
  ];
  const nodes = markNodes(unmarked, analysis.decisions)
    // The balancer's box carries what no other node owns (limits, stats, AWS settings): drawn only when it has something to say.
    .filter((n) => n.kind !== 'balancer' || n.marks.length > 0);
  return { name: m.name, targets: analysis.decisions.map((d) => d.target), nodes, clusters: sites.map((s) => s.cluster), edges };
}
