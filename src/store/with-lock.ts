import { randomUUID } from 'node:crypto';
import { PayingFetchError } from '../errors/paying-fetch-error.js';
import { sleep } from '../util/sleep.js';
import type { Store } from './types.js';

/** Who this process is, for leases it takes. */
const OWNER = `${process.pid}:${randomUUID()}`;

export interface LockOptions {
  /** How long a lease lasts: a holder that dies frees it after this. Default 60 s. */
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
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const deadline = Date.now() + (options.waitMs ?? 90_000);
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    if ((await store.tryLock(name, OWNER, ttlMs, now())) !== undefined) break;
    if (Date.now() > deadline) throw new PayingFetchError('LOCK_TIMEOUT', `Timed out waiting for ${name}, held by another process`);
    await sleep(wait, options.signal);
  }
  try {
    return await work();
  } finally {
    await store.unlock(name, OWNER);
  }
}
