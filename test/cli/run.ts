import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Sandbox } from '../../src/sandbox/index.js';
import { tempHome } from '../store/stores.js';

// `npm test` builds first: these run the command users get, dist/cli/main.js, as a process.
// PAYING_FETCH_CLI points them at another build of it (e.g. one made while dist/ is in use).
export const CLI = process.env.PAYING_FETCH_CLI ?? 'dist/cli/main.js';

export interface Run { code: number | null; stdout: Buffer; stderr: string; out: string }

/** Runs the command; one that has not exited after `killAfterMs` is killed (code null): a hang fails, never stalls the suite. */
export function cli(args: string[], env: Record<string, string | undefined> = {}, killAfterMs = 20_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(killer);
      const stdout = Buffer.concat(out);
      resolve({ code, stdout, stderr: err, out: stdout.toString() });
    });
  });
}

/**
 * The command on a terminal: `script` gives it a pseudo-terminal shared by stdout and stderr, as
 * in a shell. Returns what the terminal showed (both streams, in order) and the exit code.
 */
export function cliOnTerminal(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; screen: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { PATH: process.env.PATH, TERM: 'dumb', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    child.on('exit', (code) => resolve({ code, screen: screen.replace(/\r\n/g, '\n') }));
  });
}

export function envFor(sb: Sandbox, home = join(tempHome(), 'state')) {
  return { NVM_API_KEY: sb.apiKey, NVM_BACKEND_URL: sb.backendUrl, NVM_DELEGATION_ID: sb.delegationId, PAYING_FETCH_HOME: home };
}
