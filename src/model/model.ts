/**
 * The normalised topology every target renders from: defaults filled in (from DEFAULTS only),
 * references resolved to objects, durations in milliseconds, maps turned into arrays sorted by id,
 * routes in match order. Each element keeps the JSON Pointer it came from (a server's is made when
 * needed, by serverPointer), so a target can put a warning on the user's own line.
 */
import { segmentsToPointer } from '../diagnostics.js';

export type Millis = number;

export type Version = { readonly text: string; readonly parts: readonly [number, number, number] };

export type Cidr = {
  /** Always with a prefix length: a bare address becomes /32 or /128. */
  readonly text: string;
  readonly family: 4 | 6;
  readonly pointer: string;
};

/** No pointer of its own: a large topology has 100,000 servers and almost never a word to say about one (serverPointer). */
export type Server = {
  readonly id: string;
  readonly address: string;
  readonly family: 'ipv4' | 'ipv6' | 'hostname';
  readonly port: number;
  /** 1-256. @default 1 */
  readonly weight: number;
  /** @default false */
  readonly backup: boolean;
  /** Concurrent connections sent to this server; null = unlimited. */
  readonly maxConnections: number | null;
};

export type Sticky = {
  readonly pointer: string;
  readonly by: 'source-ip' | 'cookie';
  /** Cookie name (meaningful with by: cookie). @default "lbgen" */
  readonly cookie: string;
  /** Cookie or stickiness-entry lifetime. @default 1d */
  readonly ttl: Millis;
  /** @default "balancer" */
  readonly setBy: 'balancer' | 'application';
  /** What an application's cookie holds: the id of the server that issued it, or anything else (setBy: application). @default "opaque" */
  readonly value: 'opaque' | 'server-id';
};

export type HealthCheck = {
  readonly pointer: string;
  /** http: a GET of path; tcp: a connect only (path, host and expectStatus then unused). @default "http" */
  readonly type: 'http' | 'tcp';
  /** '' with type tcp. */
  readonly path: string;
  /** Where the check goes instead of each server's port; null = the server's port. */
  readonly port: number | null;
  /**
   * The Host the check sends, and where it came from. Never a wildcard: an application that
   * validates Host would answer 400 and every server would go down.
   * @default the first of domains that is not a wildcard, else the pool's first server's address
   */
  readonly host: { readonly name: string; readonly from: 'healthCheck.host' | 'domains' | 'server' };
  /** @default 10s */
  readonly interval: Millis;
  /** @default half the interval, at most 5s */
  readonly timeout: Millis;
  /** @default 2 */
  readonly rise: number;
  /** @default 3 */
  readonly fall: number;
  /** Accepted status codes, inclusive; a single code has min === max. @default 200 */
  readonly expectStatus: { readonly min: number; readonly max: number };
};

export type LoadFeedback = { readonly pointer: string; readonly port: number; readonly interval: Millis };

export type Pool = {
  readonly id: string;
  readonly pointer: string;
  /** Servers in the order the pool lists them. */
  readonly members: readonly Server[];
  /** @default "round-robin" */
  readonly balance: 'round-robin' | 'least-connections' | 'source-ip-hash';
  readonly sticky: Sticky | null;
  readonly healthCheck: HealthCheck | null;
  /** The agent each server of the pool runs on `port` of its address, asked every `interval` (@default 5s) for its share of new traffic. */
  readonly loadFeedback: LoadFeedback | null;
  /** @default { maxFails: 3, failTimeout: 30s }. `given`: written in the topology, not defaulted (a target without the mechanism warns only then). */
  readonly passive: { readonly maxFails: number; readonly failTimeout: Millis; readonly given: boolean };
  /** @default { connect: 5s, server: 60s, tunnel: 1h } */
  readonly timeouts: { readonly connect: Millis; readonly server: Millis; readonly tunnel: Millis };
  /** Idle upstream connections kept per worker; 0 = none. @default 32 */
  readonly keepalive: number;
  /** Some route sends WebSocket upgrades to this pool. */
  readonly websocket: boolean;
  /** Some route uses this pool. */
  readonly used: boolean;
};

/** An L4 service (streams). */
export type Stream = {
  readonly id: string;
  readonly pointer: string;
  readonly port: number;
  /** @default "tcp" */
  readonly protocol: 'tcp' | 'udp' | 'tls';
  readonly pool: Pool;
  /** @default 10m */
  readonly idleTimeout: Millis;
  /** null = everyone. */
  readonly allowFrom: readonly Cidr[] | null;
  /** @default false */
  readonly proxyProtocol: boolean;
  readonly connectionsPerClient: number | null;
};

export type RateLimit = { readonly pointer: string; readonly perSecond: number; /** @default 0 */ readonly burst: number };

export type Route = {
  /** Position in its `routes` list (the top-level one, or its site's). */
  readonly index: number;
  /** Unique over every site: the index for the top-level routes, then on through each site's in id order. Names zones, ACLs and tables. */
  readonly serial: number;
  /** The site's id; null: the default site (the top-level routes). */
  readonly site: string | null;
  /** How comments and explain name it: routes[i], or sites.<id>.routes[i]. */
  readonly label: string;
  readonly pointer: string;
  readonly path: string;
  readonly pool: Pool;
  /** @default false */
  readonly websocket: boolean;
  readonly rateLimit: RateLimit | null;
  /**
   * null = everyone. A route without its own allowFrom takes the one of the nearest route whose
   * path is a path prefix of its own ignoring letter case ("/" excepted): see `inheritsFrom`.
   * A route with an allowFrom (own or inherited) matches its path ignoring letter case.
   */
  readonly allowFrom: readonly Cidr[] | null;
  /** The route whose allowFrom this route inherited; null when it has its own or none. */
  readonly inheritsFrom: { readonly index: number; readonly label: string; readonly path: string } | null;
  /** Where the route's allowFrom is written: its own `allowFrom`, or the route itself when inherited. */
  readonly allowFromPointer: string;
  /** A staged rollout to another pool; null: every request goes to `pool`. */
  readonly canary: Canary | null;
  /** Largest request body in bytes (413 beyond); null: no limit. `text` as written (nginx's size syntax). */
  readonly maxBodySize: { readonly pointer: string; readonly bytes: number; readonly text: string } | null;
  /**
   * The timeouts of this route's requests: the route's own `timeouts`, else its pool's. `pointer`
   * null: the route sets none (both equal the pool's); `connect` is always the pool's.
   */
  readonly timeouts: { readonly pointer: string | null; readonly server: Millis; readonly tunnel: Millis; readonly ownServer: boolean; readonly ownTunnel: boolean };
  /** false: answers are passed on as they arrive (server-sent events, long polls). @default true */
  readonly buffering: boolean;
};

export type Canary = {
  readonly pointer: string;
  readonly pool: Pool;
  /** Percent of new clients sent to `pool`, 0-100. */
  readonly weight: number;
  /** Request header whose value always/never forces the side; null: none. */
  readonly header: string | null;
  /** Cookie holding the side (always/never). @default "lbgen_canary" */
  readonly cookie: string;
  /** How long a client keeps its side. @default 1d */
  readonly ttl: Millis;
};

export type SecurityHeader = {
  readonly kind: 'hsts' | 'frameOptions' | 'contentTypeOptions' | 'xssProtection' | 'referrerPolicy' | 'contentSecurityPolicy';
  readonly pointer: string;
  readonly name: string;
  readonly value: string;
};

export type Tls = {
  readonly pointer: string;
  readonly certificate: string;
  readonly key: string;
  /** HAProxy's combined PEM; tls.certificate when not given (bundleDefaulted). */
  readonly bundle: string;
  readonly bundleDefaulted: boolean;
  /** null: the ALB template takes a CertificateArn parameter. */
  readonly certificateArn: string | null;
  /** @default "TLSv1.2" */
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** @default true */
  readonly http2: boolean;
};

/**
 * One virtual host. The default site is the top-level domains, tls and routes: it takes any Host no
 * other site claims, unless strictHost.
 */
export type Site = {
  /** null: the default site. */
  readonly id: string | null;
  /** 0 for the default site, then 1, 2, ... in id order. */
  readonly number: number;
  /** '' for the default site (its fields are at the top level), else /sites/<id>. */
  readonly pointer: string;
  /** "the default site" or "site <id>", for comments and explain. */
  readonly label: string;
  /** As written (a site's domains are never empty; the default site's may be: any host). */
  readonly domains: readonly string[];
  /** The certificate its HTTPS clients get: its own, else the top-level one; null without tls. */
  readonly tls: Tls | null;
  /** Whether tls is the site's own (sites.<id>.tls), not the top-level one. */
  readonly ownTls: boolean;
  /** Match order, as Model.routes. */
  readonly routes: readonly Route[];
};

export type Model = {
  readonly name: string;
  /** The topology file's name as given on the command line, for output headers. */
  readonly sourceFile: string;
  readonly domains: readonly string[];
  /**
   * The first of domains that is not a wildcard (null: none): where a redirect sends a request
   * that has no Host (HTTP/1.0), and the health check's default Host.
   */
  readonly primaryDomain: string | null;
  readonly listen: {
    /** null = all addresses. */
    readonly address: string | null;
    readonly addressFamily: 4 | 6 | null;
    /** @default 80 */
    readonly http: number;
    /** null without tls. @default 443 */
    readonly https: number | null;
    /** @default true with tls, else false */
    readonly redirectToHttps: boolean;
    /** Peers whose X-Forwarded-For (or PROXY header) names the client; null = clients arrive directly. */
    readonly trustedProxies: readonly Cidr[] | null;
    /** The HTTP and HTTPS listeners take a PROXY protocol header (only with trustedProxies). @default false */
    readonly proxyProtocol: boolean;
  };
  readonly tls: Tls | null;
  /** Fixed order; sent on HTTPS responses only. */
  readonly securityHeaders: readonly SecurityHeader[];
  /** Sorted by id. */
  readonly servers: readonly Server[];
  /** Sorted by id. */
  readonly pools: readonly Pool[];
  /** The default site's routes. Match order: longest path first, ties in file order. */
  readonly routes: readonly Route[];
  /** The other sites, by id (the default site is the top-level fields: everySite gives all). */
  readonly sites: readonly Site[];
  /** Unknown Host: 421 instead of the default site. @default false */
  readonly strictHost: boolean;
  /** Sorted by id; empty without streams. */
  readonly streams: readonly Stream[];
  readonly limits: {
    /** @default 4096 */
    readonly maxConnections: number;
    /** Whether the topology writes maxConnections (a target that cannot cap connections warns only then). */
    readonly maxConnectionsGiven: boolean;
    readonly connectionsPerClient: number | null;
    /** IPv6 clients share per-client limits per network of this length (128: per address). @default 64 */
    readonly ipv6PrefixLength: number;
    /** @default 5s */
    readonly queueTimeout: Millis;
    /** How long old processes keep their connections after a reload. @default 5m */
    readonly shutdownTimeout: Millis;
  };
  readonly stats: {
    readonly pointer: string;
    readonly port: number;
    /** @default "/stats" */
    readonly path: string;
    /** @default 30s */
    readonly refresh: Millis;
    readonly user: string;
    readonly passwordEnv: string;
    /** @default ["127.0.0.1/32", "::1/128"] */
    readonly allowFrom: readonly Cidr[];
  } | null;
  readonly monitoring: {
    readonly metrics: { readonly pointer: string; readonly port: number; readonly path: string; readonly allowFrom: readonly Cidr[] } | null;
    /** @default "json" */
    readonly accessLog: 'json' | 'combined';
    /** Written in the topology: a target that cannot honour it warns only then. */
    readonly accessLogGiven: boolean;
    readonly alerts: {
      readonly pointer: string;
      readonly errorRatePercent: number | null;
      readonly responseTime: Millis | null;
      readonly unhealthyServersPercent: number | null;
      /** SNS topic ARN; null = a parameter AlarmTopicArn. */
      readonly notify: string | null;
    } | null;
  };
  readonly aws: {
    /** @default "internet-facing" */
    readonly scheme: 'internet-facing' | 'internal';
    /** As given; null = derived by the ALB target (see aws.idleTimeout in docs/topology.md). */
    readonly idleTimeout: Millis | null;
    /** As given; null = derived from tls.minVersion. */
    readonly sslPolicy: string | null;
    readonly accessLogs: { readonly pointer: string; readonly bucket: string | null; readonly prefix: string | null; readonly create: boolean } | null;
    /** @default 30s */
    readonly deregistrationDelay: Millis;
    /** @default "instance" */
    readonly targetType: 'instance' | 'ip';
    /** @default false */
    readonly waf: boolean;
    /** @default false: CloudFormation names the load balancer, target groups and web ACL. */
    readonly fixedNames: boolean;
    /** As given; else true for internet-facing, false for internal. */
    readonly deletionProtection: boolean;
  };
  /** version @default "1.22"; accessLog @default "/var/log/nginx/access.log"; streamModule: a .so path or "builtin" (given: written in the topology). */
  readonly nginx: { readonly version: Version; readonly accessLog: string; readonly streamModule: string; readonly streamModuleGiven: boolean };
  /**
   * version @default "2.6"; user, group @default "haproxy"; chroot @default "/var/lib/haproxy";
   * adminSocket @default "/run/haproxy/admin.sock". null: not set (a non-root start).
   */
  readonly haproxy: { readonly version: Version; readonly user: string | null; readonly group: string | null; readonly chroot: string | null; readonly adminSocket: string | null };
};

/** Where a server is written, made only when something is said about it. */
export const serverPointer = (s: Server): string => segmentsToPointer(['servers', s.id]);

/** Whether the proxies must look at Host at all: other sites, or strictHost. */
export const hostRouting = (m: Model): boolean => m.sites.length > 0 || m.strictHost;

/** Every route of every site (the default site's first). */
export const allRoutes = (m: Model): readonly Route[] => (m.sites.length ? [...m.routes, ...m.sites.flatMap((s) => s.routes)] : m.routes);

/**
 * The pools that only streams use: they get their own upstream (nginx's stream block) or listen
 * section (HAProxy), and no HTTP one. An HTTP backend of such a pool would serve nothing, yet HAProxy
 * would health-check its servers a second time, and count them down when they speak no HTTP. (A pool
 * nothing uses keeps its HTTP section: the unused warning names it.)
 */
export const streamOnlyPools = (m: Model): ReadonlySet<Pool> => new Set(m.streams.map((s) => s.pool).filter((p) => !p.used));

/**
 * The default site (made from the top-level domains, tls and routes, so that they stay the one
 * place these are held), then the others. Made once per model.
 */
export function everySite(m: Model): readonly Site[] {
  let found = sitesMemo.get(m);
  if (!found) {
    const main: Site = { id: null, number: 0, pointer: '', label: 'the default site', domains: m.domains, tls: m.tls, ownTls: false, routes: m.routes };
    sitesMemo.set(m, (found = [main, ...m.sites]));
  }
  return found;
}
const sitesMemo = new WeakMap<Model, readonly Site[]>();
