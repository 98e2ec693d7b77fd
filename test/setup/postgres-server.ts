import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A throwaway PostgreSQL for tests and benchmarks: initdb in a temp directory, postgres on a free
// loopback port, trust auth for one user. Debian installs the binaries under
// /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root: as root (CI), the server
// runs as the `postgres` system user the package creates.

export interface PostgresServer {
  url: string;
  stop(): void;
}

function binDir(): string | undefined {
  if (spawnSync('initdb', ['--version']).status === 0) return '';
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
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

/** Who runs the server: ourselves, or the `postgres` user when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  return Number.isInteger(uid) && uid > 0 ? { uid, gid: id('-g') } : undefined;
}

/** Starts a server, or returns undefined (with the reason on stderr) when PostgreSQL is not installed. */
export async function startPostgres(options: { fsync?: boolean } = {}): Promise<PostgresServer | undefined> {
  const bin = binDir();
  if (bin === undefined) return undefined;
  const exe = (name: string) => (bin ? join(bin, name) : name);
  const user = runAs();
  if (process.getuid?.() === 0 && !user) {
    console.warn('!!! running as root and no `postgres` user: the Postgres tests are SKIPPED !!!');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pf-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const init = spawnSync(exe('initdb'), ['-D', data, '-U', 'pf', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], { encoding: 'utf8', ...user });
  if (init.status !== 0) {
    console.warn(`!!! initdb failed: the Postgres tests are SKIPPED !!!\n${init.stderr}`);
    return undefined;
  }
  const port = await freePort();
  const settings = ['-c', `fsync=${options.fsync ? 'on' : 'off'}`, '-c', 'max_connections=200', '-c', 'shared_buffers=64MB'];
  const child: ChildProcess = spawn(exe('postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, ...settings], { stdio: 'ignore', ...user });
  const url = `postgres://pf@127.0.0.1:${port}/postgres`;
  for (let i = 0; i < 200; i += 1) {
    if (spawnSync(exe('pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    stop: () => {
      child.kill('SIGINT'); // fast shutdown
      child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    },
  };
}
