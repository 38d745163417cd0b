import type { Canary, Model, Route } from '../../model/model.js';
import { formatDuration, toSeconds } from '../../model/duration.js';
import { RenderError, nginxArg, nginxMapKey } from '../../render/escape.js';
import { type Decision, decision, forcingNote } from '../target.js';
import type { CanaryView } from './view.js';

/**
 * A route's canary (issue 17) as http-level maps, each read only by that route's location:
 * a split_clients on the client address places a new client (a client without cookies stays by its
 * address), the cookie remembers the side, the header forces it. The side picks the upstream
 * ($lbgen_canary_pool_N, which proxy_pass follows) and, for a client placed by the split, the
 * Set-Cookie the server adds ($lbgen_canary_set_N, copied into $lbgen_canary_cookie by the location).
 */
export function canaryView(model: Model, r: Route, c: Canary, upstreams: { stable: string; canary: string }): CanaryView {
  const n = r.serial;
  const header = c.header ? `$lbgen_canary_header_${n}` : '';
  const cookie = `$lbgen_canary_cookie_${n}`;
  // 0 and 100 percent need no split (nginx refuses a 0% share): every new client gets the one side.
  const split = c.weight > 0 && c.weight < 100 ? `$lbgen_canary_split_${n}` : c.weight === 0 ? 'never' : 'always';
  // header:cookie:split, each part empty or always/never: the first part that is set wins.
  const source = `"${header}:${cookie}:${split}"`;
  const secure = model.tls !== null && model.listen.redirectToHttps ? '; Secure' : '';
  const set = (side: string) => nginxArg(`${c.cookie}=${side}; Path=${r.path}; Max-Age=${toSeconds(c.ttl)}; HttpOnly${secure}`);
  const sideOf = (name: string) => nginxArg(`~(?:^|;\\s*)${name}=(always|never)(?:;|\\z)`);
  return {
    comment: `${r.label} ${r.path}: canary pool ${c.pool.id}, ${c.weight}% of new clients`,
    split: split.startsWith('$') ? { key: '"$remote_addr"', variable: split, percent: `${c.weight}%` } : null,
    maps: [
      ...(c.header
        ? [{ source: headerVariable(c.header), variable: header, entries: [{ key: '"~*^always$"', value: 'always' }, { key: '"~*^never$"', value: 'never' }], fallback: '""', comment: `header ${c.header}: always or never forces the side` }]
        : []),
      { source: '$http_cookie', variable: cookie, entries: [{ key: sideOf(c.cookie), value: '$1' }], fallback: '""', comment: `cookie ${c.cookie}: the side a client keeps` },
      { source, variable: `$lbgen_canary_pool_${n}`, entries: [{ key: '"~^:{0,2}always"', value: upstreams.canary }], fallback: upstreams.stable, comment: 'the side: the header, else the cookie, else the split' },
      {
        source,
        variable: `$lbgen_canary_set_${n}`,
        entries: [{ key: nginxMapKey('::always'), value: set('always') }, { key: nginxMapKey('::never'), value: set('never') }],
        fallback: '""',
        comment: 'a client placed by the split keeps its side by the cookie',
      },
    ],
  };
}

export function canaryDecisions(r: Route, c: Canary, decisions: Decision[]): void {
  const place = c.weight === 0 ? 'no new client goes to it' : c.weight === 100 ? 'every new client goes to it' : `split_clients on the client address sends ${c.weight}% of new clients to it (a client without cookies stays by its address)`;
  decisions.push(decision('canary', 'native', `maps per route: pool ${c.pool.id} is the canary; ${place}; the answer sets cookie ${c.cookie}=always or never (Path ${r.path}, Max-Age ${formatDuration(c.ttl)}) and the client keeps its side by it; ${forcingNote(c)}`, c.pointer));
  // One location, one proxy_read_timeout: both pools' requests wait as long.
  const stable = r.pool.timeouts;
  const other = c.pool.timeouts;
  const read = (t: { server: number; tunnel: number }) => (r.websocket ? t.tunnel : t.server);
  if (r.timeouts.pointer === null && read(stable) !== read(other)) {
    decisions.push(decision('timeouts', 'approximated', `nginx has one read timeout per location: requests of ${r.label} ${r.path} sent to canary pool ${c.pool.id} wait ${formatDuration(read(stable))} as pool ${r.pool.id}'s do, not its own ${formatDuration(read(other))} (HAProxy keeps each pool's; set the route's timeouts to choose)`, c.pointer));
  }
}

/**
 * The variable nginx keeps a request header in: a name cannot be quoted there, so anything but
 * letters, digits and '-' is refused (the schema's pattern is the first guard).
 */
function headerVariable(name: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(name)) throw new RenderError(`nginx cannot read the header ${JSON.stringify(name)} into a variable`);
  return `$http_${name.toLowerCase().replace(/-/g, '_')}`;
}
