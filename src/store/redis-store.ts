import { sha256Hex } from '../util/sha256.js';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { ConfigurationError } from '../errors/configuration-error.js';
import { assertCompactable } from './compaction.js';
import { ADD_UNITS, APPEND_RECEIPT, PATCH, TRY_LOCK, UNLOCK } from './redis-scripts.js';
import { COMPACT, RESERVE, SETTLE, USAGE } from './redis-ledger-scripts.js';
import { tallyId } from './tally-id.js';
import type { EntryChange, EntryKind, KeyRecord, LedgerEntry, LimitCheck, PendingPurchase, ReceiptQuery, ReceiptRecord, ReserveResult, Store } from './types.js';

type Scripted = Redis & {
  pfReserve(entries: string, scopes: string, future: string, prefix: string, entry: string, limits: string, now: number): Promise<[number, string?, string?]>;
  pfUsage(entries: string, scopes: string, future: string, prefix: string, limit: string, now: number): Promise<string>;
  pfSettle(entries: string, scopes: string, settled: string, prefix: string, id: string, change: string): Promise<number>;
  pfCompact(entries: string, scopes: string, settled: string, future: string, prefix: string, cutoff: number, batch: number, now: number): Promise<number>;
  pfPatch(key: string, id: string, patch: string): Promise<number>;
  pfAddUnits(key: string, id: string, delta: number): Promise<number | null>;
  pfAppendReceipt(zset: string, hash: string, id: string, at: number, json: string, max: number): Promise<number>;
  pfTryLock(lock: string, fence: string, owner: string, ttlMs: number): Promise<number | null>;
  pfUnlock(lock: string, owner: string): Promise<number>;
};

export interface RedisStoreOptions {
  /** Separates deployments sharing one Redis. Default 'default'. */
  prefix?: string;
  /** Receipts kept (the oldest are trimmed). Default 1,000,000. */
  maxReceipts?: number;
  /**
   * Settled ledger entries that ended longer ago than this are compacted: folded into one running
   * total per (kind, origin, plan, note), so the ledger's size follows what is live. Limits whose
   * window is not at least an hour shorter are refused; compaction also stays out of the widest
   * window any process sharing the deployment counts. Default 7 days.
   */
  compactAfterMs?: number;
}

/** Entries compacted per script run: each run is short, so Redis never stalls on it. */
const COMPACT_BATCH = 1_000;
/** A store compacts at most this often (after a reservation), unless the last run was full. */
const COMPACT_EVERY_MS = 60_000;

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The store for agents spread over machines. Every key of a deployment shares one hash tag
 * (`{pf:<prefix>}`), so on Redis Cluster they live in one slot and each Lua script stays atomic.
 */
export class RedisStore implements Store {
  readonly #redis: Scripted;
  readonly #k: (name: string) => string;
  readonly #maxReceipts: number;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #compactAfterMs: number;
  readonly #limitJson = new Map<string, string>();
  #lastCompaction = 0;
  #compacting: Promise<number> | undefined;

  /** `redis`: an ioredis client, or an ioredis `Cluster` (every key of a store is in one slot). */
  constructor(redis: Redis | Cluster, options: RedisStoreOptions = {}, owned = false) {
    const prefix = options.prefix ?? 'default';
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) throw new ConfigurationError('Redis store prefix must be 1-64 of [A-Za-z0-9_.:-]');
    this.#k = (name) => `{pf:${prefix}}:${name}`;
    this.#prefix = this.#k('');
    this.#compactAfterMs = options.compactAfterMs ?? 7 * 86_400_000;
    this.#maxReceipts = options.maxReceipts ?? 1_000_000;
    this.#owned = owned;
    const scripts: Array<[string, number, string]> = [
      ['pfReserve', 3, RESERVE], ['pfUsage', 3, USAGE], ['pfSettle', 3, SETTLE], ['pfCompact', 4, COMPACT],
      ['pfPatch', 1, PATCH], ['pfAddUnits', 1, ADD_UNITS],
      ['pfAppendReceipt', 2, APPEND_RECEIPT], ['pfTryLock', 2, TRY_LOCK], ['pfUnlock', 1, UNLOCK],
    ];
    for (const [name, numberOfKeys, lua] of scripts) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
    }
    this.#redis = redis as unknown as Scripted;
  }

  /** Connects with ioredis (an optional peer dependency) to `url`, e.g. redis://127.0.0.1:6379. */
  static async connect(url: string, options: RedisStoreOptions & { redis?: RedisOptions } = {}): Promise<RedisStore> {
    let Ctor: new (url: string, options: RedisOptions) => Redis;
    try {
      Ctor = ((await import('ioredis')) as unknown as { default: typeof Ctor }).default;
    } catch {
      throw new ConfigurationError('The Redis store needs the ioredis package: npm install ioredis');
    }
    // Auto-pipelining: calls made in one tick leave in one write (fewer syscalls on both sides).
    const redis = new Ctor(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableAutoPipelining: true, ...options.redis });
    await redis.connect();
    return new RedisStore(redis, options, true);
  }

  /** A limit as the scripts take it: its tally id attached (see redis-ledger-scripts.ts). */
  #scoped(limit: LimitCheck): object {
    assertCompactable(limit, this.#compactAfterMs);
    const { name, max, kinds, windowMs, counts, origin, planId, note } = limit;
    return { name, max, kinds, windowMs, counts, origin, planId, note, tid: tallyId(limit) };
  }

  /**
   * The JSON of #scoped, cached: the ledger rebuilds its limits on every call, and building this
   * text (tally id included) was a fifth of the client's CPU per reservation. The key holds every
   * field the JSON does, each prefixed by its length, so two limits never share one.
   */
  #scopedJson(limit: LimitCheck): string {
    const part = (v: string | number | boolean | undefined) => (v === undefined ? '-' : `${String(v).length}:${String(v)}`);
    const key = [limit.name, limit.max, limit.windowMs, limit.counts, limit.origin, limit.planId, limit.note, ...limit.kinds].map(part).join('');
    let json = this.#limitJson.get(key);
    if (json === undefined) {
      json = JSON.stringify(this.#scoped(limit));
      if (this.#limitJson.size >= 1_000) this.#limitJson.clear(); // many shapes: start over
      this.#limitJson.set(key, json);
    }
    return json;
  }

  async reserve(entry: LedgerEntry, limits: ReadonlyArray<LimitCheck>, now: number): Promise<ReserveResult> {
    const scoped = `[${limits.map((l) => this.#scopedJson(l)).join(',')}]`;
    // (JSON.stringify leaves undefined fields out, as the scripts expect.)
    const [ok, a, b] = await this.#redis.pfReserve(this.#k('entries'), this.#k('tallies'), this.#k('future'), this.#prefix, JSON.stringify(entry), scoped, now);
    this.#maybeCompact(now);
    if (ok === 1) return { ok: true, entry: a === undefined ? { ...entry, state: 'reserved' } : (JSON.parse(a) as LedgerEntry) };
    return { ok: false, violated: limits[Number(a) - 1]!, used: Number(b) };
  }

  async settle(id: string, change: EntryChange): Promise<void> {
    await this.#redis.pfSettle(this.#k('entries'), this.#k('tallies'), this.#k('settled'), this.#prefix, id, JSON.stringify(definedOnly(change)));
  }

  /**
   * Compacts settled entries that ended before `now - compactAfterMs`, in batches; returns how
   * many left the ledger. Runs on its own after reservations (at most once a minute); callable.
   */
  async compact(now: number = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const done = await this.#redis.pfCompact(this.#k('entries'), this.#k('tallies'), this.#k('settled'), this.#k('future'), this.#prefix, now - this.#compactAfterMs, COMPACT_BATCH, now);
      total += done;
      if (done < COMPACT_BATCH) return total;
    }
  }

  #maybeCompact(now: number): void {
    if (this.#compacting || now - this.#lastCompaction < COMPACT_EVERY_MS) return;
    this.#lastCompaction = now;
    this.#compacting = this.compact(now).catch(() => 0).finally(() => (this.#compacting = undefined));
  }

  async getEntry(id: string): Promise<LedgerEntry | undefined> {
    const json = await this.#redis.hget(this.#k('entries'), id);
    return json ? (JSON.parse(json) as LedgerEntry) : undefined;
  }

  async entries(filter: { since?: number | undefined; kinds?: ReadonlyArray<EntryKind> } = {}): Promise<LedgerEntry[]> {
    const all = (await this.#redis.hvals(this.#k('entries'))).map((j) => JSON.parse(j) as LedgerEntry);
    return all
      .filter((e) => (!filter.kinds || filter.kinds.includes(e.kind)) && (filter.since === undefined || e.endAt > filter.since))
      .sort((a, b) => a.startAt - b.startAt);
  }

  async usage(limit: LimitCheck, now: number): Promise<number> {
    return Number(await this.#redis.pfUsage(this.#k('entries'), this.#k('tallies'), this.#k('future'), this.#prefix, JSON.stringify(this.#scoped(limit)), now));
  }

  async appendReceipt(receipt: ReceiptRecord): Promise<void> {
    await this.#redis.pfAppendReceipt(this.#k('receipts:at'), this.#k('receipts'), receipt.id, receipt.at, JSON.stringify(receipt), this.#maxReceipts);
  }

  async updateReceipt(id: string, change: Partial<ReceiptRecord>): Promise<void> {
    await this.#redis.pfPatch(this.#k('receipts'), id, JSON.stringify(definedOnly(change)));
  }

  async receipts(query: ReceiptQuery = {}): Promise<ReceiptRecord[]> {
    const ids = await this.#redis.zrangebyscore(this.#k('receipts:at'), query.since ?? '-inf', '+inf');
    if (ids.length === 0) return [];
    const rows = (await this.#redis.hmget(this.#k('receipts'), ...ids)).filter((r): r is string => r !== null);
    const out = rows
      .map((r) => JSON.parse(r) as ReceiptRecord)
      .filter((r) => (query.origin === undefined || r.origin === query.origin) && (query.planId === undefined || r.planId === query.planId));
    return query.limit === undefined ? out : out.slice(-query.limit);
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const json = await this.#redis.hget(this.#k('keys'), id);
    return json ? (JSON.parse(json) as KeyRecord) : undefined;
  }

  async putKey(record: KeyRecord): Promise<void> {
    await this.#redis.hset(this.#k('keys'), record.id, JSON.stringify(record));
  }

  async deleteKey(id: string): Promise<void> {
    await this.#redis.hdel(this.#k('keys'), id);
  }

  async keys(): Promise<KeyRecord[]> {
    return (await this.#redis.hvals(this.#k('keys'))).map((j) => JSON.parse(j) as KeyRecord).sort((a, b) => a.id.localeCompare(b.id));
  }

  async addUnits(id: string, delta: number): Promise<number | undefined> {
    const units = await this.#redis.pfAddUnits(this.#k('keys'), id, delta);
    return units === null ? undefined : Number(units);
  }

  async putPending(purchase: PendingPurchase): Promise<void> {
    await this.#redis.hset(this.#k('pending'), purchase.id, JSON.stringify(purchase));
  }

  async getPending(id: string): Promise<PendingPurchase | undefined> {
    const json = await this.#redis.hget(this.#k('pending'), id);
    return json ? (JSON.parse(json) as PendingPurchase) : undefined;
  }

  async deletePending(id: string): Promise<void> {
    await this.#redis.hdel(this.#k('pending'), id);
  }

  #secretKey(key: string): string {
    return this.#k(`secret:${sha256Hex(key)}`);
  }

  async getSecret(key: string, now: number): Promise<string | undefined> {
    const json = await this.#redis.get(this.#secretKey(key));
    if (!json) return undefined;
    const { value, expiresAt } = JSON.parse(json) as { value: string; expiresAt: number };
    return expiresAt > now ? value : undefined;
  }

  async putSecret(key: string, value: string, expiresAt: number): Promise<void> {
    // Redis expires it on its own clock too (bounded to a day past the caller's clock).
    const ttlMs = Math.max(1_000, Math.min(expiresAt - Date.now(), 365 * 86_400_000)) + 86_400_000;
    await this.#redis.set(this.#secretKey(key), JSON.stringify({ value, expiresAt }), 'PX', ttlMs);
  }

  async deleteSecret(key: string): Promise<void> {
    await this.#redis.del(this.#secretKey(key));
  }

  async tryLock(name: string, owner: string, ttlMs: number, _now?: number): Promise<number | undefined> {
    const fence = await this.#redis.pfTryLock(this.#k(`lock:${name}`), this.#k('fence'), owner, ttlMs);
    return fence === null ? undefined : Number(fence);
  }

  async unlock(name: string, owner: string): Promise<void> {
    await this.#redis.pfUnlock(this.#k(`lock:${name}`), owner);
  }

  async lockHolder(name: string, _now?: number): Promise<string | undefined> {
    return (await this.#redis.get(this.#k(`lock:${name}`))) ?? undefined;
  }

  async close(): Promise<void> {
    await this.#compacting;
    if (this.#owned) await this.#redis.quit();
  }
}
