/**
 * The view templates/nginx/nginx.conf.hbs renders, and what a `--templates` folder sees: built by
 * build.ts (the http block and servers), upstream.ts and location.ts.
 */

/** Every leaf is already a legal nginx token (escaped by nginxArg) or a number. */
export type NginxView = {
  /** Where nginx does not do natively what the topology asks (also printed as warnings). */
  gaps: string[];
  header: string[];
  workerConnections: number;
  fileLimit: number;
  /** worker_shutdown_timeout: limits.shutdownTimeout. */
  shutdownTimeout: string;
  /** proxy_next_upstream_tries. */
  upstreamTries: number;
  accessLog: { format: string; jsonFormat: boolean; path: string };
  /** The variable per-client limits count by (see clientkey.ts), and its map when it needs one. */
  clientKey: { comment: string; source: string; entries: { match: string; value: string }[] } | null;
  /**
   * listen.trustedProxies behind HTTP balancers: the networks whose X-Forwarded-Proto (http or
   * https) goes on to the servers ($lbgen_forwarded_proto); null: every server sends $scheme.
   */
  trustedScheme: { peers: string[] } | null;
  rateZones: { key: string; name: string; rate: string; comment: string }[];
  connectionZones: { key: string; name: string }[];
  /** Idle upstream connections close after this: backends must keep theirs open longer (Node's default is 5s). */
  upstreamIdleTimeout: string;
  stickyMaps: StickyMapView[];
  /** Routes' canaries (canary.ts): a split_clients each, and their maps. */
  canaries: CanaryView[];
  upstreams: UpstreamView[];
  servers: ServerView[];
  /** stub_status on its own port, for monitoring.metrics. */
  metrics: { listens: string[]; path: string; allow: string[] } | null;
  /** streams: load_module (module.load) and the stream block; null without streams. */
  streamModule: NginxStreamView['module'];
  stream: NginxStreamView | null;
};

export type ServerView = {
  comment: string;
  listens: string[];
  serverName: string | null;
  tls: { certificate: string; key: string; protocols: string; ciphers: string; sessionCache: string } | null;
  /** listen.trustedProxies: the realip module's settings (the networks are CIDRs checked by the schema). */
  realIp: { from: string[]; header: string } | null;
  /** What X-Forwarded-Proto tells the servers: $scheme, or $lbgen_forwarded_proto (trustedScheme). */
  forwardedProto: string;
  http2Directive: boolean;
  headers: { name: string; value: string }[];
  redirect: string | null;
  /**
   * What `return` gives a request without Host (HTTP/1.0) where $host would not: its fallback, the
   * first server_name, is a wildcard or empty. null: $host falls back to the right domain already.
   */
  redirectWithoutHost: string | null;
  limitConns: string[];
  /** Some route of the server's site has a canary: the server adds the Set-Cookie its location chose ($lbgen_canary_cookie), empty elsewhere. */
  canaryCookie: boolean;
  /** strictHost: the default server that answers every unknown Host with this status (421), and nothing else. */
  refuse: number | null;
  locations: LocationView[];
};

/** `split_clients KEY $variable { PERCENT always; * never; }` (null at 0 or 100%), then maps in the StickyMapView shape. */
export type CanaryView = { comment: string; split: { key: string; variable: string; percent: string } | null; maps: StickyMapView[] };

export type UpstreamView = {
  name: string;
  comments: string[];
  zone: string;
  method: string | null;
  sticky: string | null;
  /** host: an escaped name or IPv4 address, or a bracketed IPv6 one. */
  servers: { host: string; port: number; params: string }[];
  keepalive: number | null;
  /** The same for every upstream (the root's upstreamIdleTimeout): built-in templates read no @root, so they compile without data frames. */
  keepaliveTimeout: string;
};

/**
 * `map SOURCE $variable { KEY VALUE; ... default FALLBACK; }`: a cookie's value read from the Cookie
 * header (one regex key), or the upstream a server id names (one literal key per server).
 */
export type StickyMapView = { source: string; variable: string; entries: { key: string; value: string }[]; fallback: string; comment: string };

export type LocationView = {
  match: string;
  comment: string;
  allow: string[] | null;
  limitReq: string | null;
  upstream: string | null;
  websocket: boolean;
  connectTimeout: string;
  /**
   * proxy_next_upstream_timeout: time for every try to connect, but never more than the read timeout,
   * so that a request whose answer timed out (after at least the read timeout) is not retried. A
   * pool whose server timeout is no longer than its connect timeout thus loses the retry of a timed-out
   * connect (upstream.ts warns).
   */
  retryWindow: string;
  readTimeout: string;
  /** The canary's Set-Cookie variable, copied into $lbgen_canary_cookie; null: no canary. */
  canaryCookie: string | null;
  /** client_max_body_size (route.maxBodySize); null: the http block's 0 (no limit). */
  maxBodySize: string | null;
  /** proxy_buffering off (route.buffering: false). */
  unbuffered: boolean;
};

/** streams: the stream block (null without streams) and how its module is loaded. */
export type NginxStreamView = {
  /** load: the escaped .so path of load_module; null: built in. */
  module: { load: string | null } | null;
  logFormat: string;
  jsonEscape: boolean;
  accessLog: string;
  upstreams: StreamUpstreamView[];
  servers: StreamServerView[];
};

export type StreamUpstreamView = { name: string; comments: string[]; zone: string; method: string | null; servers: { host: string; port: number; params: string }[] };

export type StreamServerView = {
  comment: string;
  listens: string[];
  allow: string[] | null;
  limitConn: { zone: string; limit: number } | null;
  upstream: string;
  connectTimeout: string;
  idleTimeout: string;
  proxyProtocol: boolean;
  tls: { certificate: string; key: string; protocols: string; ciphers: string; sessionCache: string } | null;
};
