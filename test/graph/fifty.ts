/**
 * A topology of 50 routes over 10 pools and 20 servers, shaped as a real service's: nested API
 * paths, a WebSocket route, rate limits and allow-lists on some routes, weights and a backup server,
 * for the legibility check of lbgen graph (test/graph.test.ts and the picture in docs/).
 */
export function fiftyRoutes(): string {
  const out = ['version: 1', 'name: fifty', 'domains: [shop.example.com, api.shop.example.com]',
    'tls: { certificate: /etc/ssl/shop/fullchain.pem, key: /etc/ssl/shop/privkey.pem, bundle: /etc/haproxy/certs/shop.pem }',
    'servers:'];
  for (let s = 0; s < 20; s++) out.push(`  app${s + 1}: { address: 10.0.${s >> 3}.${(s % 8) + 10}, port: ${8080 + (s % 2)}${s % 10 === 9 ? ', backup: true' : ''}${s % 7 === 3 ? ', weight: 3' : ''} }`);
  const pools = ['web', 'api', 'auth', 'search', 'cart', 'orders', 'media', 'admin', 'events', 'reports'];
  out.push('pools:');
  pools.forEach((p, i) => {
    const members = [0, 1].map((k) => `app${((i * 2 + k) % 20) + 1}`);
    if (i % 3 === 0) members.push(`app${((i * 2 + 5) % 20) + 1}`);
    out.push(`  ${p}:`, `    servers: [${members.join(', ')}]`);
    if (i % 2 === 0) out.push('    healthCheck: { path: /healthz }');
    if (p === 'events') out.push('    sticky: { by: source-ip }');
    if (p === 'search') out.push('    balance: least-connections');
  });
  out.push('routes:');
  const sections = ['api/v1', 'api/v2', 'shop', 'account', 'static'];
  const leaves = ['users', 'orders', 'items', 'search', 'cart', 'login', 'media', 'reports', 'admin', 'events'];
  for (let r = 0; r < 49; r++) {
    const path = `/${sections[r % 5]}/${leaves[Math.floor(r / 5)]}`;
    const extra = [
      r % 11 === 4 ? 'rateLimit: { perSecond: 20, burst: 40 }' : '',
      r % 13 === 8 ? 'allowFrom: [10.0.0.0/8]' : '',
      leaves[Math.floor(r / 5)] === 'events' && r % 5 === 0 ? 'websocket: true' : '',
    ].filter(Boolean);
    out.push(`  - { path: ${path}, pool: ${pools[Math.floor(r / 5)]}${extra.length ? `, ${extra.join(', ')}` : ''} }`);
  }
  out.push('  - { path: /, pool: web }');
  return `${out.join('\n')}\n`;
}
