/**
 * Secrets of the memory store: bounded. Expired ones are dropped when read and by a sweep every
 * `SWEEP_EVERY` writes; past `max`, the least recently used one is evicted (a Map keeps insertion
 * order, and a read re-inserts, so the first key is the coldest). A cached token evicted early is
 * only minted again; a resume record (`resume:...`, a payment that may have been taken) is never
 * evicted by the cap, only by its expiry, since losing it could mean paying twice.
 */
const SWEEP_EVERY = 1_000;
const PROTECTED_PREFIX = 'resume:';

export class SecretCache {
  readonly #secrets = new Map<string, { value: string; expiresAt: number }>();
  #writes = 0;
  /** The latest `now` a reader passed: sweeps use the callers' clock, not this machine's. */
  #now = -Infinity;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.#secrets.size;
  }

  get(key: string, now: number): string | undefined {
    if (now > this.#now) this.#now = now;
    const secret = this.#secrets.get(key);
    if (!secret) return undefined;
    this.#secrets.delete(key);
    if (secret.expiresAt <= now) return undefined;
    this.#secrets.set(key, secret); // most recently used last
    return secret.value;
  }

  put(key: string, value: string, expiresAt: number): void {
    this.#secrets.delete(key);
    this.#secrets.set(key, { value, expiresAt });
    this.#writes += 1;
    if (this.#writes % SWEEP_EVERY === 0) this.#sweep(this.#now);
    if (this.#secrets.size > this.max) this.#evict();
  }

  delete(key: string): void {
    this.#secrets.delete(key);
  }

  #sweep(now: number): void {
    for (const [key, secret] of this.#secrets) if (secret.expiresAt <= now) this.#secrets.delete(key);
  }

  #evict(): void {
    for (const key of this.#secrets.keys()) {
      if (this.#secrets.size <= this.max) return;
      if (!key.startsWith(PROTECTED_PREFIX)) this.#secrets.delete(key);
    }
  }
}
