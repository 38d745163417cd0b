import type { Model, Pool, Route } from '../../model/model.js';
import { formatDuration } from '../../model/duration.js';
import { nginxArg } from '../../render/escape.js';
import { TRIES } from '../retry.js';
import { upstreamName, zoneName } from './names.js';
import { routeComment } from '../target.js';
import type { LocationView } from './view.js';

/**
 * `/ws` must match `/ws`, `/ws/` and `/ws/...`, not `/wsx`: an exact location plus a `/ws/` prefix
 * one. A route with an allowFrom matches ignoring letter case (a backend that ignores case would
 * serve /ADMIN as /admin): one case-insensitive regex location instead. nginx tries regex locations
 * (in the order written: longest path first) before the longest prefix one; that is right here,
 * since every route under an allow-listed path ignoring case has an allowFrom too (inherited) and
 * so is a longer regex, and any prefix location a regex can take a request from is a shorter path.
 */
export function locations(model: Model, routes: readonly Route[], proxyPass: ReadonlyMap<Pool, string>): LocationView[] {
  const out: LocationView[] = [];
  for (const r of routes) {
    // Both locations of a route share every string but the match: each is made once.
    const comment = routeComment(r);
    const allow = r.allowFrom ? r.allowFrom.map((c) => c.text) : null;
    // nginx refuses burst=0 (it is the default): write burst only when there is one.
    const limitReq = r.rateLimit ? `zone=${zoneName(model, r)}${r.rateLimit.burst ? ` burst=${r.rateLimit.burst}` : ''} nodelay` : null;
    // An upstream's name, or the variable of a map that picks one of the pool's upstreams.
    // A canary's map picks the stable or the canary pool's upstream (canary.ts).
    const upstream = r.canary ? `$lbgen_canary_pool_${r.serial}` : proxyPass.get(r.pool) ?? upstreamName(model, r.pool);
    const connectTimeout = formatDuration(r.pool.timeouts.connect);
    // The route's own timeouts, else its pool's (the model has merged them).
    const read = r.websocket ? r.timeouts.tunnel : r.timeouts.server;
    const retryWindow = formatDuration(Math.min(r.pool.timeouts.connect * TRIES, read));
    const readTimeout = formatDuration(read);
    const canaryCookie = r.canary ? `$lbgen_canary_set_${r.serial}` : null;
    const maxBodySize = r.maxBodySize ? nginxArg(r.maxBodySize.text) : null;
    // One literal with every field (no spread of a shared part): V8 keeps all of them in the object itself.
    const body = (match: string): LocationView =>
      ({ match, comment, allow, limitReq, upstream, websocket: r.websocket, connectTimeout, retryWindow, readTimeout, canaryCookie, maxBodySize, unbuffered: !r.buffering });
    if (r.path === '/') out.push(body('/'));
    else if (r.allowFrom) out.push(body(`~* ${nginxArg(`^${regexEscape(r.path)}(?:/|\\z)`)}`));
    else out.push(body(`= ${nginxArg(r.path)}`), body(nginxArg(`${r.path}/`)));
  }
  if (!routes.some((r) => r.path === '/')) {
    out.push({ match: '/', comment: 'no route for "/": anything unrouted is 404', allow: null, limitReq: null, upstream: null, websocket: false, connectTimeout: '', retryWindow: '', readTimeout: '', canaryCookie: null, maxBodySize: null, unbuffered: false });
  }
  return out;
}

/** A path as a literal inside a PCRE pattern (the schema admits only `.` among its metacharacters). */
const regexEscape = (path: string): string => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
