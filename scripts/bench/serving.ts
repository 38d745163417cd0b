/**
 * The serving goal: the emitted nginx.conf and haproxy.cfg in front of three Node backends on
 * loopback, against the same configs with upstream keep-alive taken away (nginx: no `keepalive`;
 * HAProxy: `option http-server-close`), measured with wrk. Backends and wrk share core 0, the proxy
 * has core 1, so the proxy's work is what differs.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '../../src/pipeline.js';
import { freePorts } from '../../test/e2e/proc.js';

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('sh', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`], { stdio: 'ignore', shell: '/bin/bash' });
    if (r.status === 0) return;
    await sleep(50);
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}`);
}

function wrk(port: number): { rps: number; errors: string } {
  const r = spawnSync('taskset', ['-c', '0', 'wrk', '-t1', '-c32', '-d5s', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([0-9.]+)/.exec(r.stdout)?.[1] ?? 0);
  const errors = [/Non-2xx or 3xx responses: (\d+)/.exec(r.stdout)?.[0], /Socket errors: .*/.exec(r.stdout)?.[0]].filter(Boolean).join('; ');
  return { rps, errors: errors || 'no errors' };
}

async function measure(label: string, start: () => ChildProcess, port: number): Promise<{ rps: number; errors: string }> {
  const proc = start();
  try {
    await waitFor(port);
    spawnSync('taskset', ['-c', '0', 'wrk', '-t1', '-c32', '-d1s', `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
    return wrk(port);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

export async function serving(root: string, work: string): Promise<string[]> {
  const missing = ['nginx', 'haproxy', 'wrk', 'taskset'].filter((c) => !has(c));
  if (missing.length) return [`- skipped: ${missing.join(', ')} not installed (apt-get install nginx-light haproxy wrk util-linux)`];
  const [port, ...backendPorts] = (await freePorts(4)) as [number, number, number, number];
  const backends = backendPorts.map((port, i) =>
    spawn('taskset', ['-c', '0', process.execPath, join(root, 'scripts', 'bench', 'backend.cjs'), String(port), `b${i}`], { stdio: 'ignore' }),
  );
  try {
    await Promise.all(backendPorts.map(waitFor));
    const topology = [
      'version: 1', 'name: bench', `listen: { address: 127.0.0.1, http: ${port} }`, 'servers:',
      ...backendPorts.map((p, i) => `  b${i}: { address: 127.0.0.1, port: ${p} }`),
      'pools:', '  web: { servers: [b0, b1, b2] }', 'routes:', '  - { path: /, pool: web }', '',
    ].join('\n');
    const files = new Map(generate(topology, { file: 'bench.yaml', targets: ['nginx', 'haproxy'] }).files.map((f) => [f.path, f.text]));
    const dir = join(work, 'serving');
    mkdirSync(dir, { recursive: true });
    const nginxConf = files.get('nginx.conf')!.split('/var/log/nginx/').join(`${dir}/`);
    const variants: [string, string, string][] = [
      ['nginx', nginxConf, nginxConf.replace(/^\s*keepalive(_timeout)? .*;\n/gm, '')],
      ['haproxy', files.get('haproxy.cfg')!, files.get('haproxy.cfg')!.replace(/^defaults.*\n/m, (d) => `${d}    option http-server-close\n`)],
    ];
    const out: string[] = [];
    for (const [proxy, emitted, without] of variants) {
      const results: { rps: number; errors: string }[] = [];
      for (const [i, text] of [emitted, without].entries()) {
        const file = join(dir, `${proxy}-${i}.conf`);
        writeFileSync(file, text);
        const start = proxy === 'nginx'
          ? () => spawn('taskset', ['-c', '1', 'nginx', '-p', dir, '-e', join(dir, 'error.log'), '-c', file, '-g', `daemon off; pid ${dir}/nginx.pid;`], { stdio: 'ignore' })
          : () => spawn('taskset', ['-c', '1', 'haproxy', '-db', '-f', file], { stdio: 'ignore' });
        results.push(await measure(`${proxy}-${i}`, start, port));
      }
      const [a, b] = results as [{ rps: number; errors: string }, { rps: number; errors: string }];
      const ratio = a.rps / b.rps;
      out.push(`- ${proxy}: emitted ${a.rps.toFixed(0)} req/s (${a.errors}); without upstream keep-alive ${b.rps.toFixed(0)} req/s (${b.errors}): **${ratio.toFixed(2)}×** (goal ≥ 2.5: ${ratio >= 2.5 ? 'met' : 'NOT MET'})`);
    }
    return out;
  } finally {
    for (const b of backends) b.kill('SIGTERM');
  }
}
