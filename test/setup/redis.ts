import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

// Starts a real redis-server on 127.0.0.1 for the Redis tests (CI installs the Debian package).
// With REDIS_URL set, that server is used instead. Without either, the Redis tests skip, loudly.

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
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

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.REDIS_URL) {
    project.provide('redisUrl', process.env.REDIS_URL);
    return () => {};
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    console.warn('\n!!! redis-server is not installed: the Redis store tests are SKIPPED (apt-get install -y redis-server, or set REDIS_URL) !!!\n');
    project.provide('redisUrl', '');
    return () => {};
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
  };
}
