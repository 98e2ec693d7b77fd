import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

// Starts a real redis-server on 127.0.0.1 for the Redis tests (CI installs the Debian package).
// With REDIS_URL set, that server is used instead. Without either, the Redis tests skip, loudly.

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** host:port of each master of a 3-node Redis Cluster on loopback; empty when none. */
    redisClusterNodes: string[];
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

let child: ChildProcess | undefined;
const clusterChildren: ChildProcess[] = [];

async function waitFor(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Three masters on loopback, slots spread over them by redis-cli: what `{pf:<prefix>}` is for. */
async function startCluster(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pf-redis-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const port of ports) {
    clusterChildren.push(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir], { stdio: 'ignore' }));
  }
  const ping = (port: number) => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG';
  if (!(await waitFor(() => ports.every(ping)))) return [];
  const nodes = ports.map((p) => `127.0.0.1:${p}`);
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (create.status !== 0) return [];
  const ok = (port: number) => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' }).stdout ?? '');
  return (await waitFor(() => ports.every(ok))) ? nodes : [];
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    if (!process.env.REDIS_URL) console.warn('\n!!! redis-server is not installed: the Redis store tests are SKIPPED (apt-get install -y redis-server, or set REDIS_URL) !!!\n');
    project.provide('redisUrl', process.env.REDIS_URL ?? '');
    project.provide('redisClusterNodes', []);
    return () => {};
  }
  const cluster = await startCluster();
  if (cluster.length === 0) console.warn('\n!!! the Redis Cluster did not form: the cluster store tests are SKIPPED !!!\n');
  project.provide('redisClusterNodes', cluster);
  const stopCluster = () => {
    for (const c of clusterChildren) c.kill('SIGTERM');
  };
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return stopCluster;
  }
  const port = await freePort();
  child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i += 1) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  project.provide('redisUrl', url);
  return () => {
    child?.kill('SIGTERM');
    stopCluster();
  };
}
