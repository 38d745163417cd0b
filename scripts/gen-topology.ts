/**
 * Topologies of N pools × S servers with one route each, for the scale benchmark:
 *   node dist/scripts/gen-topology.js POOLS [SERVERS_PER_POOL] [--warnings] > big.yaml
 * bigTopology raises no warning; warningTopology is what a real large topology looks like (issue
 * 15): flow style, a health check on every pool (nginx warns: no active checks), cookie
 * stickiness on every fifth pool (nginx 1.22 warns), a rate limit on every tenth route (HAProxy
 * warns) and TLS without a HAProxy bundle (one warning).
 */
export function bigTopology(pools: number, serversPerPool = 10): string {
  const out: string[] = ['version: 1', 'name: scale', 'servers:'];
  for (let p = 0; p < pools; p++) {
    for (let s = 0; s < serversPerPool; s++) {
      const n = p * serversPerPool + s;
      out.push(`  s${n}:`, `    address: 10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, `    port: ${3000 + s}`, '    weight: 1');
    }
  }
  out.push('pools:');
  for (let p = 0; p < pools; p++) {
    out.push(`  p${p}:`, '    servers:');
    for (let s = 0; s < serversPerPool; s++) out.push(`      - s${p * serversPerPool + s}`);
    out.push('    balance: least-connections', '    timeouts:', '      connect: 2s', '      server: 30s');
  }
  out.push('routes:');
  for (let p = 0; p < pools; p++) out.push(`  - path: /svc/p${p}`, `    pool: p${p}`);
  return `${out.join('\n')}\n`;
}

const id = (p: number) => String(p + 1).padStart(5, '0');

export function warningTopology(pools: number, serversPerPool = 10): string {
  const out: string[] = [
    'version: 1',
    'name: scale',
    'domains: [scale.example.com]',
    'tls: { certificate: /etc/ssl/scale/fullchain.pem, key: /etc/ssl/scale/privkey.pem }',
    'servers:',
  ];
  for (let p = 0; p < pools; p++) {
    for (let s = 0; s < serversPerPool; s++) {
      const n = p * serversPerPool + s;
      out.push(`  s${id(p)}-${s}: { address: 10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}, port: ${8080 + s}, weight: 1 }`);
    }
  }
  out.push('pools:');
  for (let p = 0; p < pools; p++) {
    const servers = Array.from({ length: serversPerPool }, (_, s) => `s${id(p)}-${s}`).join(', ');
    const sticky = p % 5 === 4 ? ', sticky: { by: cookie }' : '';
    out.push(`  p${id(p)}: { servers: [${servers}], balance: least-connections, healthCheck: { path: /health, interval: 5s }${sticky} }`);
  }
  out.push('routes:');
  for (let p = 0; p < pools; p++) {
    const limit = p % 10 === 9 ? ', rateLimit: { perSecond: 50, burst: 100 }' : '';
    out.push(`  - { path: /svc/${id(p)}, pool: p${id(p)}${limit} }`);
  }
  return `${out.join('\n')}\n`;
}

if (process.argv[1]?.endsWith('gen-topology.js')) {
  const [pools, servers] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const make = process.argv.includes('--warnings') ? warningTopology : bigTopology;
  process.stdout.write(make(Number(pools ?? 1000), Number(servers ?? 10)));
}
