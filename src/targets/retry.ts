/**
 * How many servers both proxies may try for one request: the first and up to TRIES - 1 others after a
 * connection failure (nginx's proxy_next_upstream_tries, HAProxy's retries + 1). A bound, so that a
 * request never walks a whole large pool of failing servers.
 */
export const TRIES = 4;
