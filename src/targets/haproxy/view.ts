/**
 * The view haproxy.cfg.hbs renders. Every string leaf is already a legal HAProxy token sequence
 * (user strings escaped by haproxyArg/haproxyFmt in the builders) or a fixed keyword; every key is
 * always present (null when absent), so a template can only branch on booleans and lists.
 */
export type HaproxyView = {
  header: string[];
  /** Where HAProxy does not do natively what the topology asks (also printed as warnings). */
  gaps: string[];
  global: GlobalView;
  defaults: DefaultsView;
  frontend: FrontendView;
  backends: BackendView[];
  /** Backends that only hold a stick table (per-client connections, per-route rates). */
  tables: TableView[];
  stats: StatsView | null;
  metrics: MetricsView | null;
  /** streams (mode tcp): null and empty without them. */
  streamDefaults: StreamDefaultsView | null;
  streams: StreamView[];
};

export type GlobalView = {
  maxconn: number;
  /** limits.shutdownTimeout. */
  hardStopAfter: string;
  /** `expose-experimental-directives`: needed by `http-request normalize-uri` in 2.6. */
  experimental: boolean;
  tls: { bindOptions: string; ciphers: string; ciphersuites: string } | null;
  /** Escaped arguments of `user`, `group`, `chroot` and `stats socket`; null: the line is left out. */
  user: string | null;
  group: string | null;
  chroot: string | null;
  adminSocket: string | null;
};

export type DefaultsView = {
  logFormat: string;
  /** `error-log-format`: set with the JSON access log only. */
  errorLogFormat: string | null;
  /** `retries`: tries after the first, on connection failures and empty responses. */
  retries: number;
  timeouts: { name: string; value: string }[];
};

export type FrontendView = {
  name: string;
  binds: string[];
  /** listen.trustedProxies: ACL lines, then the tcp-request connection / session and http-request rules that find the client address. */
  trusted: { acls: string[]; connection: string[]; session: string[]; request: string[] } | null;
  /** Sites and strictHost: `http-request` rules that set txn.lbgen_site from Host (or answer 421); empty without them. */
  hosts: string[];
  /** key: the tracked sample; perRequest: counted in http-request rules, after the client address is found (429), else per connection. */
  perClient: { table: string; limit: number; key: string; perRequest: boolean } | null;
  redirect: string | null;
  /** The `http-request` rule, before the redirect, for a request without Host: a redirect to the first concrete domain, or a 400. */
  redirectWithoutHost: string | null;
  /** `http-request normalize-uri` arguments, for the path only (the template keeps the query as sent). */
  normalizers: string[];
  captures: string[];
  /** Arguments of `http-request set-header`. */
  requestHeaders: string[];
  routes: FrontendRouteView[];
  /** No route for "/": anything unrouted is answered 404 by HAProxy itself. */
  notFound: boolean;
  /** The condition of `http-request del-header Upgrade`: every request not on a WebSocket route ('' = all). */
  noUpgrade: string;
  headers: { name: string; value: string }[];
};

export type FrontendRouteView = {
  comment: string;
  /** The route's index in the file's routes list: names its ACLs (route<index>, route<index>_path). */
  index: number;
  /** The condition that the request is for the route's site (' { var(txn.lbgen_site) -m int N }'), '' without sites. */
  site: string;
  /** ACL criteria for the route's path: exact path and everything under it. */
  paths: string[];
  /** CIDR lists, chunked so that no line has too many arguments (HAProxy reads at most 64 per line). */
  /** ACL lines and the condition that answers 403 (see allowList). */
  allowFrom: AllowView | null;
  rate: { table: string; limit: number; key: string } | null;
  backend: string;
  /** canary.ts: `http-request` rules that set txn.lbgen_canary, the canary's backend, the `http-response add-header` arguments. */
  canary: { rules: string[]; backend: string; setCookie: string } | null;
  /** route.maxBodySize in bytes: a declared Content-Length beyond it is answered 413. */
  maxBodyBytes: number | null;
};

export type BackendView = {
  name: string;
  comments: string[];
  balance: string;
  hashConsistent: boolean;
  cookie: string | null;
  stickTable: string | null;
  /** The rules that keep a client on its server: `stick` rules over the table, or (sticky.value: server-id, no table) a `use-server` per server. */
  stickRules: string[];
  check: { path: string; host: string; expect: string; timeout: string } | null;
  serverClose: boolean;
  timeouts: { name: string; value: string }[];
  /** `http-request` rules: the own timeouts of the routes to this pool, each for its route's requests. */
  routeTimeouts: string[];
  defaultServer: string;
  /** host: an escaped name or IPv4 address, or a bracketed IPv6 one. */
  servers: { name: string; host: string; port: number; params: string }[];
};

export type TableView = { name: string; comment: string; definition: string };

export type StatsView = {
  name: string;
  allowFrom: AllowView;
  userlist: string;
  passwordEnv: string;
  user: string;
  /** `"${VAR}"`: HAProxy expands it at start-up. */
  passwordRef: string;
  /** `user:"${VAR}"`: the password is expanded from the environment at start-up, never written here. */
  auth: string;
  binds: string[];
  uri: string;
  refresh: string;
};

export type AllowView = { acls: string[]; denyIf: string };

export type MetricsView = { name: string; binds: string[]; allowFrom: AllowView; path: string };

/** The defaults section of the mode tcp proxies (streams). */
export type StreamDefaultsView = { logFormat: string; connect: string };

/** One stream as a mode tcp `listen` proxy. */
export type StreamView = {
  name: string;
  comment: string;
  binds: string[];
  allowFrom: AllowView | null;
  /** A stick table of open connections per client address (its own backend), and the limit. */
  perClient: { table: string; limit: number } | null;
  balance: string;
  hashConsistent: boolean;
  stickTable: string | null;
  /** http: an HTTP check's request; null: a TCP connect check (option tcp-check). */
  check: { http: { path: string; host: string; expect: string } | null; timeout: string } | null;
  timeouts: { name: string; value: string }[];
  defaultServer: string;
  servers: { name: string; host: string; port: number; params: string }[];
};
