import { SCHEMA_DEFAULTS } from '../generated/defaults.js';

/**
 * The defaults of the topology's fields are the schema's `default`s (scripts/generate.mjs reads
 * them at build time), shaped like a topology: DEFAULTS.pools.healthCheck.interval is the default
 * of every pools.<id>.healthCheck.interval.
 */
export const DEFAULTS = SCHEMA_DEFAULTS;

/**
 * Defaults that depend on another field, so no `default` keyword can hold them; each field's
 * description in the schema says the same in words.
 */
export const DERIVED_DEFAULTS = {
  /** listen.redirectToHttps: true when tls is present. */
  redirectToHttpsWithTls: true,
  /** pools.<id>.healthCheck.timeout: half the interval, at most this. */
  maxHealthCheckTimeout: '5s',
  /** aws.deletionProtection by aws.scheme: a public entry point is protected, an internal one is not. */
  deletionProtection: { 'internet-facing': true, internal: false },
} as const;
