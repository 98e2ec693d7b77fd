import { PayingFetchError } from '../errors/paying-fetch-error.js';
import { sleep } from '../util/sleep.js';
import type { Store } from './types.js';

/** Who this process is, for leases it takes: host, pid, and a nonce (pids get reused). */
// Through getBuiltinModule, not an import: on runtimes without processes (browsers, Workers) the
// owner is a nonce alone, and no holder is ever judged dead by its pid.
const proc = globalThis.process as NodeJS.Process | undefined;
const HOST = (proc?.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined)?.hostname() ?? 'runtime';
const PID = proc?.pid ?? 0;
const OWNER = `${HOST}:${PID}:${crypto.randomUUID()}`;

/** A lease held by a process of this machine that no longer exists can be taken over at once. */
function heldByDeadLocalProcess(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (!proc?.kill || host !== HOST || !pid || Number(pid) === PID) return false;
  try {
    proc.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface LockOptions {
  /** How long a lease lasts unless renewed: a holder on another machine that dies frees it after this. Default 15 s. */
  ttlMs?: number;
  /** How long to wait for a lease before giving up. Default 90 s. */
  waitMs?: number;
  now?: () => number;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `work` holding the store lease `name`, so processes sharing a store do one thing at a time
 * (one purchase of a pack, one delegation from a card). A crashed holder blocks others only
 * until its lease expires.
 */
export async function withLock<T>(store: Store, name: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const ttlMs = options.ttlMs ?? 15_000;
  const now = options.now ?? Date.now;
  const deadline = Date.now() + (options.waitMs ?? 90_000);
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    if ((await store.tryLock(name, OWNER, ttlMs, now())) !== undefined) break;
    const holder = await store.lockHolder(name, now());
    if (holder && heldByDeadLocalProcess(holder)) {
      await store.unlock(name, holder); // its holder crashed: no need to wait for the lease to run out
      continue;
    }
    if (Date.now() > deadline) throw new PayingFetchError('LOCK_TIMEOUT', `Timed out waiting for ${name}, held by another process`);
    await sleep(wait, options.signal);
  }
  // Renew the lease while working, so a long purchase keeps it and a crash frees it soon.
  const heartbeat = setInterval(() => void store.tryLock(name, OWNER, ttlMs, now()).catch(() => {}), Math.max(1_000, ttlMs / 3));
  (heartbeat as { unref?: () => void }).unref?.();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await store.unlock(name, OWNER);
  }
}
