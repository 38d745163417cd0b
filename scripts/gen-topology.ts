/**
 * Writes a topology of N pools × S servers with one route each, for the scale benchmark:
 * node dist/scripts/gen-topology.js POOLS [SERVERS_PER_POOL] > big.yaml
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

if (process.argv[1]?.endsWith('gen-topology.js')) {
  process.stdout.write(bigTopology(Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 10)));
}
