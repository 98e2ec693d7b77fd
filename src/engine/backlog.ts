import { StoreError } from '../errors/store-error.js';

/** One write owed to the store after a payment went out. */
export interface OwedWrite {
  /** What it records, for the StoreError if it keeps failing: `commit`, `receipt`, ... */
  what: string;
  write: () => Promise<unknown>;
}

/**
 * Writes owed to the store after a payment went out. A payment cannot be taken back, so a store
 * that fails after the seller charged must not cost the caller the paid answer: the writes are kept
 * here, in order, and the store is asked again before the next payment. Until it records them, no
 * further payment is made (fail closed). Writes are idempotent or run once: a write that failed
 * is retried as a whole, the ones after it wait their turn.
 */
export class Backlog {
  #owed: OwedWrite[] = [];

  /** Whether writes are waiting (the store failed after a payment). */
  get owed(): boolean {
    return this.#owed.length > 0;
  }

  /**
   * Runs `writes` in order after a payment. The first that fails is kept, with every one after it,
   * for later. Never throws: returns the store's error, if any, for the caller to report.
   */
  async record(writes: OwedWrite[]): Promise<unknown> {
    if (this.#owed.length > 0) {
      this.#owed.push(...writes); // after what is owed already: the store gets them in order
      return this.#drainOnce();
    }
    for (let i = 0; i < writes.length; i += 1) {
      try {
        await writes[i]!.write();
      } catch (error) {
        this.#owed.push(...writes.slice(i));
        return error;
      }
    }
    return undefined;
  }

  /** Before a payment: writes what is owed, or a StoreError while the store still fails. */
  async settleUp(): Promise<void> {
    if (this.#owed.length === 0) return;
    const error = await this.#drainOnce();
    if (error === undefined) return;
    if (error instanceof StoreError) throw error;
    throw new StoreError({ operation: this.#owed[0]?.what ?? 'write' }, error);
  }

  #draining: Promise<unknown> | undefined;

  /** One drain at a time: concurrent calls wait for the same one (a write is never run twice at once). */
  #drainOnce(): Promise<unknown> {
    return (this.#draining ??= this.#drain().finally(() => (this.#draining = undefined)));
  }

  async #drain(): Promise<unknown> {
    while (this.#owed.length > 0) {
      try {
        await this.#owed[0]!.write();
      } catch (error) {
        return error;
      }
      this.#owed.shift();
    }
    return undefined;
  }
}
