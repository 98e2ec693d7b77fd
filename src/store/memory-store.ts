import { SecretCache } from './secret-cache.js';
import { MemoryTallies } from './memory-tallies.js';
import { counts } from './usage.js';
import type { EntryChange, EntryKind, KeyRecord, PendingPurchase, LedgerEntry, LimitCheck, ReceiptQuery, ReceiptRecord, ReserveResult, Store } from './types.js';

/** Receipts kept in memory: the newest ones (a durable store keeps them all). */
const MAX_RECEIPTS = 10_000;

export interface MemoryStoreOptions {
  /** Cached secrets (payment tokens) kept at most; the least recently used go first. Default 1,000. */
  maxSecrets?: number;
}

/**
 * The in-process store (the library's default). Atomic because reserve() never awaits inside.
 * Bounded: the newest receipts, the most recently used secrets, unexpired leases.
 */
export class MemoryStore implements Store {
  readonly #entries = new Map<string, LedgerEntry>();
  /** Running totals per limit: a reservation's cost does not grow with the ledger. */
  readonly #tallies = new MemoryTallies();
  /**
   * Kept as the store's own copies (tags copied too); handed out as fresh copies. A copy costs a
   * fraction of the JSON text kept before (JSON.stringify was a quarter of paying-fetch's own time
   * per paid call with this store).
   */
  readonly #receipts: ReceiptRecord[] = [];
  readonly #keys = new Map<string, KeyRecord>();
  readonly #pending = new Map<string, PendingPurchase>();
  readonly #secrets: SecretCache;
  readonly #locks = new Map<string, { owner: string; expiresAt: number }>();
  #fence = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#secrets = new SecretCache(Math.max(1, options.maxSecrets ?? 1_000));
  }

  /** How many secrets and leases are held now (observability; the caps above bound them). */
  counts(): { secrets: number; leases: number; entries: number; receipts: number } {
    return { secrets: this.#secrets.size, leases: this.#locks.size, entries: this.#entries.size, receipts: this.#receipts.length };
  }

  async reserve(entry: LedgerEntry, limits: ReadonlyArray<LimitCheck>, now: number): Promise<ReserveResult> {
    const existing = this.#entries.get(entry.id);
    if (existing) return { ok: true, entry: { ...existing } };
    const reserved: LedgerEntry = { ...entry, state: 'reserved' };
    for (const limit of limits) {
      const tally = this.#tallies.ensure(limit, now, this.#entries.values());
      this.#tallies.fold(tally, now);
      if (!counts(reserved, limit, now)) continue; // this limit is about other entries
      const used = this.#tallies.usage(tally, now);
      if (used + (limit.counts ? 1 : entry.amountCents) > limit.max) return { ok: false, violated: limit, used };
    }
    this.#entries.set(entry.id, reserved);
    this.#tallies.added(reserved, now);
    return { ok: true, entry: { ...reserved } };
  }

  async settle(id: string, change: EntryChange): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#tallies.changing(entry);
    Object.assign(entry, definedOnly(change));
    this.#tallies.changed(entry);
  }

  async getEntry(id: string): Promise<LedgerEntry | undefined> {
    const entry = this.#entries.get(id);
    return entry && { ...entry };
  }

  async entries(filter: { since?: number; kinds?: ReadonlyArray<EntryKind> } = {}): Promise<LedgerEntry[]> {
    return [...this.#entries.values()]
      .filter((e) => (filter.kinds ? filter.kinds.includes(e.kind) : true) && (filter.since === undefined || e.endAt > filter.since))
      .map((e) => ({ ...e }));
  }

  async usage(limit: LimitCheck, now: number): Promise<number> {
    return this.#tallies.usage(this.#tallies.ensure(limit, now, this.#entries.values()), now);
  }

  async appendReceipt(receipt: ReceiptRecord): Promise<void> {
    this.#receipts.push(ownCopy(receipt));
    // Trim in chunks: shifting one at a time would copy the whole array on every call.
    if (this.#receipts.length > MAX_RECEIPTS + 1_000) this.#receipts.splice(0, this.#receipts.length - MAX_RECEIPTS);
  }

  async updateReceipt(id: string, change: Partial<ReceiptRecord>): Promise<void> {
    for (let i = this.#receipts.length - 1; i >= 0; i -= 1) {
      if (this.#receipts[i]!.id !== id) continue;
      this.#receipts[i] = ownCopy(Object.assign({}, this.#receipts[i], change));
      return;
    }
  }

  async receipts(query: ReceiptQuery = {}): Promise<ReceiptRecord[]> {
    const out = this.#receipts.filter(
      (r) =>
        (query.since === undefined || r.at >= query.since) &&
        (query.origin === undefined || r.origin === query.origin) &&
        (query.planId === undefined || r.planId === query.planId),
    ).map(ownCopy); // (the caller may change its copies)
    return query.limit === undefined ? out : out.slice(-query.limit);
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const key = this.#keys.get(id);
    return key && { ...key };
  }

  async putKey(record: KeyRecord): Promise<void> {
    this.#keys.set(record.id, { ...record });
  }

  async deleteKey(id: string): Promise<void> {
    this.#keys.delete(id);
  }

  async keys(): Promise<KeyRecord[]> {
    return [...this.#keys.values()].map((k) => ({ ...k }));
  }

  async addUnits(id: string, delta: number): Promise<number | undefined> {
    const key = this.#keys.get(id);
    if (!key || key.units === undefined) return undefined;
    key.units += delta;
    return key.units;
  }

  async putPending(purchase: PendingPurchase): Promise<void> {
    this.#pending.set(purchase.id, { ...purchase });
  }

  async getPending(id: string): Promise<PendingPurchase | undefined> {
    const pending = this.#pending.get(id);
    return pending && { ...pending };
  }

  async deletePending(id: string): Promise<void> {
    this.#pending.delete(id);
  }

  async getSecret(key: string, now: number): Promise<string | undefined> {
    return this.#secrets.get(key, now);
  }

  async putSecret(key: string, value: string, expiresAt: number): Promise<void> {
    this.#secrets.put(key, value, expiresAt);
  }

  async deleteSecret(key: string): Promise<void> {
    this.#secrets.delete(key);
  }

  async tryLock(name: string, owner: string, ttlMs: number, now: number): Promise<number | undefined> {
    const held = this.#locks.get(name);
    if (held && held.owner !== owner && held.expiresAt > now) return undefined;
    if (this.#locks.size >= 1_000) for (const [n, l] of this.#locks) if (l.expiresAt <= now) this.#locks.delete(n); // expired leases go
    this.#locks.set(name, { owner, expiresAt: now + ttlMs });
    this.#fence += 1;
    return this.#fence;
  }

  async unlock(name: string, owner: string): Promise<void> {
    if (this.#locks.get(name)?.owner === owner) this.#locks.delete(name);
  }

  async lockHolder(name: string, now: number): Promise<string | undefined> {
    const held = this.#locks.get(name);
    return held && held.expiresAt > now ? held.owner : undefined;
  }

  async close(): Promise<void> {}
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A receipt the caller can no longer change: its fields, and its tags (the one nested object), copied. */
function ownCopy(receipt: ReceiptRecord): ReceiptRecord {
  const copy = Object.assign({}, receipt);
  if (receipt.tags) copy.tags = Object.assign({}, receipt.tags);
  return copy;
}
