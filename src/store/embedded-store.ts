import { join } from 'node:path';
import { prepareStateDir, ensurePrivateFile } from './state-dir.js';
import { flushAllReceipts, ReceiptBatch, type ReceiptRow } from './receipt-batch.js';
import { openSqlite, type SqliteDb, type SqliteParam, type SqliteStatement } from './sqlite-driver.js';
import { SqliteTallies, TALLY_SCHEMA } from './sqlite-tallies.js';
import { counts } from './usage.js';
import type { EntryChange, EntryKind, KeyRecord, LedgerEntry, LimitCheck, PendingPurchase, ReceiptQuery, ReceiptRecord, ReserveResult, Store } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, amount INTEGER NOT NULL,
  start_at INTEGER NOT NULL, end_at INTEGER NOT NULL, origin TEXT, plan_id TEXT,
  delegation_id TEXT, transaction_id TEXT, note TEXT);
CREATE INDEX IF NOT EXISTS entries_end ON entries (end_at);
-- Receipts are appended on every paid call, so they carry no index: each one cost more than the
-- insert itself (bench/NOTES.md). Queries read them all anyway (and sort by time); the only
-- updates are to receipts of unknown outcome (by reconcile), which are indexed on the side here.
CREATE TABLE IF NOT EXISTS receipts (id TEXT NOT NULL, at INTEGER NOT NULL, origin TEXT, plan_id TEXT, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unknown_receipts (id TEXT PRIMARY KEY, row INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

interface EntryRow {
  id: string; kind: string; state: string; amount: number; start_at: number; end_at: number;
  origin: string | null; plan_id: string | null; delegation_id: string | null; transaction_id: string | null; note: string | null;
}

function toEntry(row: EntryRow): LedgerEntry {
  return {
    id: row.id, kind: row.kind as EntryKind, state: row.state as LedgerEntry['state'], amountCents: row.amount,
    startAt: row.start_at, endAt: row.end_at, origin: row.origin ?? undefined, planId: row.plan_id ?? undefined,
    delegationId: row.delegation_id ?? undefined, transactionId: row.transaction_id ?? undefined, note: row.note ?? undefined,
  };
}

/** SQL for the entries a limit counts (the same rule as usage.ts, in WHERE form). */
function limitWhere(limit: LimitCheck, now: number): { sql: string; params: SqliteParam[] } {
  const parts = [`state != 'released'`, `kind IN (${limit.kinds.map(() => '?').join(',')})`];
  const params: SqliteParam[] = [...limit.kinds];
  if (limit.origin !== undefined) { parts.push('origin = ?'); params.push(limit.origin); }
  if (limit.planId !== undefined) { parts.push('plan_id = ?'); params.push(limit.planId); }
  if (limit.note !== undefined) { parts.push('note = ?'); params.push(limit.note); }
  if (limit.windowMs !== undefined) { parts.push('end_at > ? AND start_at <= ?'); params.push(now - limit.windowMs, now); }
  return { sql: parts.join(' AND '), params };
}

export interface EmbeddedStoreOptions {
  /** Open for reading only (inspect spend while agents run, or with none running). */
  readOnly?: boolean;
}

/**
 * The on-disk store: SQLite in WAL mode in a 0700 directory, files 0600. Safe across processes on
 * one machine: a reservation is one IMMEDIATE transaction, so agents sharing the directory can
 * never exceed a shared budget together. Crash safe: every ledger change is one committed
 * transaction before the call goes on. Receipts are committed in groups within 10 ms (any exit,
 * read or close() writes them first; only a kill in that moment can lose the last few).
 * SQLite is Node's built-in `node:sqlite` where the runtime has it (Node >= 22.13), else the
 * optional better-sqlite3 (Node 20): see sqlite-driver.ts.
 */
export class EmbeddedStore implements Store {
  readonly path: string;
  /** Which SQLite this store runs on: `node:sqlite` (built in) or `better-sqlite3`. */
  readonly driver: SqliteDb['driver'];
  readonly #db: SqliteDb;
  /** Prepared once, reused: compiling SQL on every call would dominate the hot path. */
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #readOnly: boolean;
  readonly #receiptBatch = new ReceiptBatch((rows) => this.#insertReceipts(rows));
  /** Running totals per limit: a reservation's cost does not grow with the ledger. */
  readonly #tallies = new SqliteTallies((sql) => this.#stmt(sql));

  constructor(dir: string, options: EmbeddedStoreOptions = {}) {
    this.#readOnly = options.readOnly ?? false;
    prepareStateDir(dir, options.readOnly);
    this.path = join(dir, 'state.db');
    if (!options.readOnly) ensurePrivateFile(this.path);
    // The driver is loaded when a store first opens, not on import (cold start).
    this.#db = openSqlite(this.path, { readOnly: this.#readOnly });
    this.driver = this.#db.driver;
    this.#db.pragma('busy_timeout = 10000');
    if (!options.readOnly) {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.exec(SCHEMA);
      this.#db.exec(TALLY_SCHEMA);
    }
  }

  #stmt(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #usageSync(limit: LimitCheck, now: number): number {
    const { sql, params } = limitWhere(limit, now);
    const row = this.#stmt(`SELECT ${limit.counts ? 'COUNT(*)' : 'COALESCE(SUM(amount), 0)'} AS used FROM entries WHERE ${sql}`).get(...params) as { used: number };
    return row.used;
  }

  async reserve(entry: LedgerEntry, limits: ReadonlyArray<LimitCheck>, now: number): Promise<ReserveResult> {
    // IMMEDIATE: the write lock is taken before reading usage, so no other process can slip in between.
    return this.#db.immediate((): ReserveResult => {
      const existing = this.#stmt('SELECT * FROM entries WHERE id = ?').get(entry.id) as EntryRow | undefined;
      if (existing) return { ok: true, entry: toEntry(existing) };
      const reserved: LedgerEntry = { ...entry, state: 'reserved' };
      this.#tallies.refresh();
      for (const limit of limits) {
        const tally = this.#tallies.ensure(limit, now);
        this.#tallies.fold(tally, now);
        if (!counts(reserved, limit, now)) continue;
        const used = this.#tallies.usage(tally, now);
        if (used + (limit.counts ? 1 : entry.amountCents) > limit.max) return { ok: false, violated: limit, used };
      }
      this.#stmt(
        `INSERT INTO entries (id, kind, state, amount, start_at, end_at, origin, plan_id, delegation_id, transaction_id, note)
         VALUES (?, ?, 'reserved', ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(entry.id, entry.kind, entry.amountCents, entry.startAt, entry.endAt, entry.origin ?? null, entry.planId ?? null, entry.delegationId ?? null, entry.transactionId ?? null, entry.note ?? null);
      this.#tallies.added(reserved, now);
      return { ok: true, entry: reserved };
    });
  }

  async settle(id: string, change: EntryChange): Promise<void> {
    this.#db.immediate((): void => {
      const row = this.#stmt('SELECT * FROM entries WHERE id = ?').get(id) as EntryRow | undefined;
      if (!row) return;
      this.#stmt('UPDATE entries SET state = ?, amount = COALESCE(?, amount), end_at = COALESCE(?, end_at), delegation_id = COALESCE(?, delegation_id) WHERE id = ?')
        .run(change.state, change.amountCents ?? null, change.endAt ?? null, change.delegationId ?? null, id);
      const before = toEntry(row);
      this.#tallies.refresh();
      this.#tallies.changed(before, { ...before, state: change.state, amountCents: change.amountCents ?? before.amountCents, endAt: change.endAt ?? before.endAt });
    });
  }

  async getEntry(id: string): Promise<LedgerEntry | undefined> {
    const row = this.#stmt('SELECT * FROM entries WHERE id = ?').get(id) as EntryRow | undefined;
    return row && toEntry(row);
  }

  async entries(filter: { since?: number | undefined; kinds?: ReadonlyArray<EntryKind> } = {}): Promise<LedgerEntry[]> {
    const parts: string[] = ['1 = 1'];
    const params: SqliteParam[] = [];
    if (filter.kinds) { parts.push(`kind IN (${filter.kinds.map(() => '?').join(',')})`); params.push(...filter.kinds); }
    if (filter.since !== undefined) { parts.push('end_at > ?'); params.push(filter.since); }
    return (this.#stmt(`SELECT * FROM entries WHERE ${parts.join(' AND ')} ORDER BY start_at, rowid`).all(...params) as EntryRow[]).map(toEntry);
  }

  async usage(limit: LimitCheck, now: number): Promise<number> {
    // A read-only store cannot build a tally: it counts by a scan, as the tallies do.
    if (this.#readOnly) return this.#usageSync(limit, now);
    return this.#db.immediate(() => {
      this.#tallies.refresh();
      return this.#tallies.usage(this.#tallies.ensure(limit, now), now);
    });
  }

  async appendReceipt(receipt: ReceiptRecord): Promise<void> {
    // Ordinary receipts are committed in groups (see ReceiptBatch); a receipt of unknown outcome is
    // committed here and now, since reconcile() and replays after a crash depend on it.
    if (receipt.outcome !== 'unknown' && !this.#readOnly) {
      return this.#receiptBatch.append([receipt.id, receipt.at, receipt.origin, receipt.planId ?? null, JSON.stringify(receipt)]);
    }
    const insert = () => this.#stmt('INSERT INTO receipts (id, at, origin, plan_id, body) VALUES (?, ?, ?, ?, ?)').run(receipt.id, receipt.at, receipt.origin, receipt.planId ?? null, JSON.stringify(receipt));
    this.#db.immediate(() => {
      const { lastInsertRowid } = insert();
      this.#stmt('INSERT OR REPLACE INTO unknown_receipts (id, row) VALUES (?, ?)').run(receipt.id, lastInsertRowid);
    });
  }

  #insertReceipts(rows: ReadonlyArray<ReceiptRow>): void {
    const insert = this.#stmt('INSERT INTO receipts (id, at, origin, plan_id, body) VALUES (?, ?, ?, ?, ?)');
    this.#db.immediate(() => {
      for (const row of rows) insert.run(...row);
    });
  }

  async updateReceipt(id: string, change: Partial<ReceiptRecord>): Promise<void> {
    flushAllReceipts();
    this.#receiptBatch.flush(); // this store's own rows: a write that still fails reaches this caller
    this.#db.immediate(() => {
      const known = this.#stmt('SELECT row FROM unknown_receipts WHERE id = ?').get(id) as { row: number } | undefined;
      // Receipts of another outcome (or from an older layout) are found by a scan: rare, and correct.
      const row = (known
        ? this.#stmt('SELECT rowid, body FROM receipts WHERE rowid = ?').get(known.row)
        : this.#stmt('SELECT rowid, body FROM receipts WHERE id = ?').get(id)) as { rowid: number; body: string } | undefined;
      if (!row) return;
      const next = { ...(JSON.parse(row.body) as ReceiptRecord), ...change };
      this.#stmt('UPDATE receipts SET body = ? WHERE rowid = ?').run(JSON.stringify(next), row.rowid);
      if (next.outcome !== 'unknown') this.#stmt('DELETE FROM unknown_receipts WHERE id = ?').run(id);
    });
  }

  async receipts(query: ReceiptQuery = {}): Promise<ReceiptRecord[]> {
    flushAllReceipts(); // every receipt this process appended before this read is in it
    this.#receiptBatch.flush(); // this store's own rows: a write that still fails reaches this caller
    const parts: string[] = ['1 = 1'];
    const params: SqliteParam[] = [];
    if (query.since !== undefined) { parts.push('at >= ?'); params.push(query.since); }
    if (query.origin !== undefined) { parts.push('origin = ?'); params.push(query.origin); }
    if (query.planId !== undefined) { parts.push('plan_id = ?'); params.push(query.planId); }
    const rows = this.#stmt(`SELECT body FROM receipts WHERE ${parts.join(' AND ')} ORDER BY at, rowid`).all(...params) as Array<{ body: string }>;
    const out = rows.map((r) => JSON.parse(r.body) as ReceiptRecord);
    return query.limit === undefined ? out : out.slice(-query.limit);
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const row = this.#stmt('SELECT body FROM keys WHERE id = ?').get(id) as { body: string } | undefined;
    return row && (JSON.parse(row.body) as KeyRecord);
  }

  async putKey(record: KeyRecord): Promise<void> {
    this.#stmt('INSERT INTO keys (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body').run(record.id, JSON.stringify(record));
  }

  async deleteKey(id: string): Promise<void> {
    this.#stmt('DELETE FROM keys WHERE id = ?').run(id);
  }

  async keys(): Promise<KeyRecord[]> {
    return (this.#stmt('SELECT body FROM keys ORDER BY id').all() as Array<{ body: string }>).map((r) => JSON.parse(r.body) as KeyRecord);
  }

  async addUnits(id: string, delta: number): Promise<number | undefined> {
    return this.#db.immediate((): number | undefined => {
      const row = this.#stmt('SELECT body FROM keys WHERE id = ?').get(id) as { body: string } | undefined;
      if (!row) return undefined;
      const key = JSON.parse(row.body) as KeyRecord;
      if (key.units === undefined) return undefined;
      key.units += delta;
      this.#stmt('UPDATE keys SET body = ? WHERE id = ?').run(JSON.stringify(key), id);
      return key.units;
    });
  }

  async putPending(purchase: PendingPurchase): Promise<void> {
    this.#stmt('INSERT INTO pending (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body').run(purchase.id, JSON.stringify(purchase));
  }

  async getPending(id: string): Promise<PendingPurchase | undefined> {
    const row = this.#stmt('SELECT body FROM pending WHERE id = ?').get(id) as { body: string } | undefined;
    return row && (JSON.parse(row.body) as PendingPurchase);
  }

  async deletePending(id: string): Promise<void> {
    this.#stmt('DELETE FROM pending WHERE id = ?').run(id);
  }

  async getSecret(key: string, now: number): Promise<string | undefined> {
    const row = this.#stmt('SELECT value FROM secrets WHERE key = ? AND expires_at > ?').get(key, now) as { value: string } | undefined;
    return row?.value;
  }

  async putSecret(key: string, value: string, expiresAt: number): Promise<void> {
    this.#stmt('INSERT INTO secrets (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at').run(key, value, expiresAt);
  }

  async deleteSecret(key: string): Promise<void> {
    this.#stmt('DELETE FROM secrets WHERE key = ?').run(key);
  }

  async tryLock(name: string, owner: string, ttlMs: number, now: number): Promise<number | undefined> {
    return this.#db.immediate((): number | undefined => {
      const held = this.#stmt('SELECT owner, expires_at FROM locks WHERE name = ?').get(name) as { owner: string; expires_at: number } | undefined;
      if (held && held.owner !== owner && held.expires_at > now) return undefined;
      this.#stmt('INSERT INTO locks (name, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at').run(name, owner, now + ttlMs);
      this.#stmt(`INSERT INTO meta (name, value) VALUES ('fence', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1`).run();
      return (this.#stmt(`SELECT value FROM meta WHERE name = 'fence'`).get() as { value: number }).value;
    });
  }

  async unlock(name: string, owner: string): Promise<void> {
    this.#stmt('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner);
  }

  async lockHolder(name: string, now: number): Promise<string | undefined> {
    const row = this.#stmt('SELECT owner FROM locks WHERE name = ? AND expires_at > ?').get(name, now) as { owner: string } | undefined;
    return row?.owner;
  }

  async close(): Promise<void> {
    if (this.#db.open) {
      this.#receiptBatch.flush(); // what waits is written first
      this.#db.close();
    }
  }
}
