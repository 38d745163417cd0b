import type { Canary, Model, Route } from '../../model/model.js';
import { formatDuration, toSeconds } from '../../model/duration.js';
import { haproxyArg, haproxyFmtText } from '../../render/escape.js';
import { type Decision, decision, forcingNote } from '../target.js';
import { backendName, plainWord } from './names.js';
import type { FrontendRouteView } from './view.js';

/**
 * A route's canary (issue 17) as frontend rules guarded by the route's ACL: the header, then the
 * cookie, set txn.lbgen_canary (always or never); a client with neither is placed by a hash of its
 * address (txn.lbgen_canary_new: a client without cookies stays by its address) and the answer
 * sets the cookie to that side. use_backend then follows txn.lbgen_canary.
 */
export function canaryRules(model: Model, r: Route, c: Canary): NonNullable<FrontendRouteView['canary']> {
  const on = `route${r.serial}`;
  const unset = '!{ var(txn.lbgen_canary) -m found }';
  const rules: string[] = [];
  if (c.header) {
    const h = plainWord(c.header.toLowerCase(), 'header name');
    rules.push(`set-var(txn.lbgen_canary) str(always) if ${on} { req.hdr(${h}) -i always }`);
    rules.push(`set-var(txn.lbgen_canary) str(never) if ${on} { req.hdr(${h}) -i never }`);
  }
  const cookie = plainWord(c.cookie, 'cookie name');
  rules.push(`set-var(txn.lbgen_canary) req.cook(${cookie}) if ${on} ${unset} { req.cook(${cookie}) -m str always never }`);
  // xxh32 of the address spreads neighbouring addresses evenly over 0-99.
  if (c.weight > 0 && c.weight < 100) rules.push(`set-var(txn.lbgen_canary_new) str(always) if ${on} ${unset} { src,xxh32,mod(100) -m int lt ${c.weight} }`);
  const rest = c.weight === 100 ? 'always' : 'never';
  rules.push(`set-var(txn.lbgen_canary_new) str(${rest}) if ${on} ${unset}${c.weight > 0 && c.weight < 100 ? ' !{ var(txn.lbgen_canary_new) -m found }' : ''}`);
  rules.push(`set-var(txn.lbgen_canary) var(txn.lbgen_canary_new) if ${on} { var(txn.lbgen_canary_new) -m found }`);
  const secure = model.tls !== null && model.listen.redirectToHttps ? '; Secure' : '';
  const setCookie = haproxyArg(`${c.cookie}=%[var(txn.lbgen_canary_new)]; Path=${haproxyFmtText(r.path)}; Max-Age=${toSeconds(c.ttl)}; HttpOnly${secure}`);
  return { rules, backend: backendName(model, c.pool), setCookie: `Set-Cookie ${setCookie} if ${on} { var(txn.lbgen_canary_new) -m found }` };
}

export function canaryDecisions(r: Route, c: Canary, decisions: Decision[]): void {
  const place = c.weight === 0 ? 'no new client goes to it' : c.weight === 100 ? 'every new client goes to it' : `a hash of the client address (src,xxh32,mod(100) lt ${c.weight}) sends ${c.weight}% of new clients to it (a client without cookies stays by its address)`;
  decisions.push(decision('canary', 'native', `frontend rules on the route: pool ${c.pool.id} is the canary; ${place}; the answer sets cookie ${c.cookie}=always or never (Path ${r.path}, Max-Age ${formatDuration(c.ttl)}) and the client keeps its side by it; ${forcingNote(c)}; each pool keeps its own timeouts and balancing`, c.pointer));
}
