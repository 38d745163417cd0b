/**
 * The topology as written, after the schema accepted it: optional fields stay optional.
 * Mirrors schemas/topology.schema.json; the meaning of each field is in its description there (docs/topology.md).
 */
export type DurationInput = string | number;

export type Topology = {
  version: 1;
  name: string;
  domains?: string[];
  listen?: { address?: string; http?: number; https?: number; redirectToHttps?: boolean; trustedProxies?: string[]; proxyProtocol?: boolean };
  tls?: {
    certificate: string;
    key: string;
    bundle?: string;
    certificateArn?: string;
    minVersion?: 'TLSv1.2' | 'TLSv1.3';
    http2?: boolean;
  };
  securityHeaders?: {
    hsts?: { maxAge: number; includeSubDomains?: boolean; preload?: boolean };
    frameOptions?: 'DENY' | 'SAMEORIGIN';
    contentTypeOptions?: 'nosniff';
    xssProtection?: '0' | '1' | '1; mode=block';
    referrerPolicy?: string;
    contentSecurityPolicy?: string;
  };
  servers: Record<string, ServerInput>;
  pools: Record<string, PoolInput>;
  routes: RouteInput[];
  limits?: { maxConnections?: number; connectionsPerClient?: number; ipv6PrefixLength?: number; queueTimeout?: DurationInput; shutdownTimeout?: DurationInput };
  stats?: { port: number; path?: string; refresh?: DurationInput; user: string; passwordEnv: string; allowFrom?: string[] };
  monitoring?: {
    metrics?: { port: number; path?: string; allowFrom?: string[] };
    accessLog?: 'json' | 'combined';
    alerts?: { errorRatePercent?: number; responseTime?: DurationInput; unhealthyServersPercent?: number; notify?: string };
  };
  aws?: {
    scheme?: 'internet-facing' | 'internal';
    idleTimeout?: DurationInput;
    sslPolicy?: string;
    accessLogs?: { bucket?: string; prefix?: string; create?: boolean };
    deregistrationDelay?: DurationInput;
    targetType?: 'instance' | 'ip';
    waf?: boolean;
    fixedNames?: boolean;
    deletionProtection?: boolean;
  };
  nginx?: { version?: string; accessLog?: string };
  /** null: the line is left out (see the schema). */
  haproxy?: { version?: string; user?: string | null; group?: string | null; chroot?: string | null; adminSocket?: string | null };
};

export type ServerInput = { address: string; port: number; weight?: number; backup?: boolean; maxConnections?: number };

export type PoolInput = {
  servers: string[];
  balance?: 'round-robin' | 'least-connections' | 'source-ip-hash';
  sticky?: { by: 'source-ip' | 'cookie'; cookie?: string; ttl?: DurationInput; setBy?: 'balancer' | 'application'; value?: 'opaque' | 'server-id' };
  healthCheck?: {
    path: string;
    host?: string;
    interval?: DurationInput;
    timeout?: DurationInput;
    rise?: number;
    fall?: number;
    expectStatus?: number | string;
  };
  passive?: { maxFails?: number; failTimeout?: DurationInput };
  timeouts?: { connect?: DurationInput; server?: DurationInput; tunnel?: DurationInput };
  keepalive?: number;
};

export type RouteInput = {
  path: string;
  pool: string;
  websocket?: boolean;
  rateLimit?: { perSecond: number; burst?: number };
  allowFrom?: string[];
  canary?: { pool: string; weight: number; header?: string; cookie?: string; ttl?: DurationInput };
  maxBodySize?: string;
  timeouts?: { server?: DurationInput; tunnel?: DurationInput };
  buffering?: boolean;
};
