import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../errors/configuration-error.js';

/** PAYING_FETCH_HOME, default ~/.paying-fetch. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.PAYING_FETCH_HOME || join(homedir(), '.paying-fetch');
}

/**
 * Makes sure the state directory exists as 0700 and that nobody else can write to it: a
 * directory others can write to could have its files swapped, so it is refused.
 */
export function prepareStateDir(dir: string, readOnly = false): void {
  if (!existsSync(dir)) {
    if (readOnly) throw new ConfigurationError(`No paying-fetch state at ${dir}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const stat = statSync(dir);
  if (!stat.isDirectory()) throw new ConfigurationError(`${dir} is not a directory`);
  if ((stat.mode & 0o022) !== 0) {
    throw new ConfigurationError(`Refusing ${dir}: it is writable by others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 700 ${dir}`);
  }
}

/** Creates `file` empty with mode 0600 if missing (before SQLite does, with the umask's mode). */
export function ensurePrivateFile(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}
