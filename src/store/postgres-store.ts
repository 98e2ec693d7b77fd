import type { Pool, PoolClient, PoolConfig, QueryResultRow } from 'pg';
import { ConfigurationError } from '../errors/configuration-error.js';
import { assertCompactable } from './compaction.js';
import { SCHEMA, SCHEMA_LOCK, schemaVersion } from './postgres-schema.js';
import { tallyId } from './tally-id.js';
import type { EntryChange, EntryKind, KeyRecord, LedgerEntry, LimitCheck, PendingPurchase, ReceiptQuery, ReceiptRecord, ReserveResult, Store } from './types.js';

export interface PostgresStoreOptions {
  /** Separates deployments sharing one database. Default 'default'. */
  prefix?: string;
  /**
   * Settled ledger entries that ended longer ago than this are compacted: folded into one running
   * total per (kind, origin, plan, note), so the ledger's size follows what is live. Limits whose
   * window is not at least an hour shorter are refused; compaction also stays out of the widest
   * window any process sharing the deployment counts. Default 7 days.
   */
  compactAfterMs?: number;
}

/** Entries compacted per transaction: each is short, so reservations never wait long on it. */
const COMPACT_BATCH = 1_000;
/** A store compacts at most this often (after a reservation). */
const COMPACT_EVERY_MS = 60_000;

interface EntryRow {
  id: string; kind: string; state: string; amount: string; start_at: string; end_at: string;
  origin: string | null; plan_id: string | null; delegation_id: string | null; transaction_id: string | null; note: string | null;
  compacted_count: string | null;
}

function toEntry(row: EntryRow): LedgerEntry {
  return {
    id: row.id, kind: row.kind as EntryKind, state: row.state as LedgerEntry['state'], amountCents: Number(row.amount),
    startAt: Number(row.start_at), endAt: Number(row.end_at), origin: row.origin ?? undefined, planId: row.plan_id ?? undefined,
    delegationId: row.delegation_id ?? undefined, transactionId: row.transaction_id ?? undefined, note: row.note ?? undefined,
    ...(row.compacted_count === null ? {} : { compactedCount: Number(row.compacted_count) }),
  };
}

/** Whether this version's schema is in the database already (then no DDL runs: see #migrate). */
async function schemaIsCurrent(client: PoolClient): Promise<boolean> {
  const [table] = (await client.query<{ ok: boolean }>(`SELECT to_regclass('pf_schema') IS NOT NULL AS ok`)).rows;
  if (!table?.ok) return false;
  return (await client.query('SELECT 1 FROM pf_schema WHERE version = $1', [schemaVersion()])).rowCount === 1;
}

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The store for fleets next to a PostgreSQL they already run. A reservation is one transaction
 * (one round trip: the pf_reserve function) that locks its deployment's row first, so agents
 * anywhere can never exceed a shared budget together (README: "which store when" says why a row
 * lock and not SERIALIZABLE). It reads running totals per limit (postgres-ledger-sql.ts), so its
 * cost does not grow with the ledger, and old settled entries are compacted. Every write is
 * committed before the call goes on.
 */
export class PostgresStore implements Store {
  readonly #pool: Pool;
  readonly #dep: string;
  readonly #owned: boolean;
  #ready: Promise<void> | undefined;
  readonly #compactAfterMs: number;
  #lastCompaction = 0;
  #compacting: Promise<number> | undefined;

  constructor(pool: Pool, options: PostgresStoreOptions = {}, owned = false) {
    const prefix = options.prefix ?? 'default';
    if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) throw new ConfigurationError('Postgres store prefix must be 1-64 of [A-Za-z0-9_.:-]');
    this.#pool = pool;
    this.#dep = prefix;
    this.#owned = owned;
    this.#compactAfterMs = options.compactAfterMs ?? 7 * 86_400_000;
    this.#whenReady().catch(() => {}); // reported to the first caller
  }

  /** The schema checked once; a failed attempt (database down at start) is tried again by the next call. */
  #whenReady(): Promise<void> {
    return (this.#ready ??= this.#migrate().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    }));
  }

  /** Connects with pg (an optional peer dependency) to `url`, e.g. postgres://user@127.0.0.1/db. */
  static async connect(url: string, options: PostgresStoreOptions & { pool?: PoolConfig } = {}): Promise<PostgresStore> {
    let PoolCtor: new (config: PoolConfig) => Pool;
    try {
      PoolCtor = ((await import('pg')) as unknown as { default: { Pool: typeof PoolCtor } }).default.Pool;
    } catch {
      throw new ConfigurationError('The Postgres store needs the pg package: npm install pg');
    }
    const store = new PostgresStore(new PoolCtor({ connectionString: url, max: 10, ...options.pool }), options, true);
    await store.#whenReady();
    return store;
  }

  async #migrate(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      // DDL only when the schema is not this version's: even a no-op ALTER TABLE takes an exclusive
      // lock, which deadlocks with agents already reserving (seen with 8 processes starting).
      if (!(await schemaIsCurrent(client))) {
        await client.query(SCHEMA);
        await client.query('INSERT INTO pf_schema (version) VALUES ($1) ON CONFLICT DO NOTHING', [schemaVersion()]);
      }
      await client.query('INSERT INTO pf_deployments (deployment) VALUES ($1) ON CONFLICT DO NOTHING', [this.#dep]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async #q<R extends QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    await this.#whenReady();
    return (await this.#pool.query<R>(sql, [this.#dep, ...params])).rows;
  }

  /** A limit as the SQL takes it: its tally id attached (see postgres-ledger-sql.ts). */
  #scoped(limit: LimitCheck): object {
    assertCompactable(limit, this.#compactAfterMs);
    return { ...definedOnly(limit), tid: tallyId(limit) };
  }

  async reserve(entry: LedgerEntry, limits: ReadonlyArray<LimitCheck>, now: number): Promise<ReserveResult> {
    const scoped = JSON.stringify(limits.map((l) => this.#scoped(l)));
    const [row] = await this.#q<{ r: { ok: boolean; existing?: boolean; index?: number; used?: string } }>(
      'SELECT pf_reserve($1, $2, $3, $4) AS r', [JSON.stringify(definedOnly(entry)), scoped, now],
    );
    this.#maybeCompact(now);
    const r = row!.r;
    if (!r.ok) return { ok: false, violated: limits[r.index! - 1]!, used: Number(r.used) };
    if (r.existing) return { ok: true, entry: (await this.getEntry(entry.id))! };
    return { ok: true, entry: { ...entry, state: 'reserved' } };
  }

  async settle(id: string, change: EntryChange): Promise<void> {
    await this.#q('SELECT pf_settle($1, $2, $3, $4, $5, $6)', [id, change.state, change.amountCents ?? null, change.endAt ?? null, change.delegationId ?? null]);
  }

  /**
   * Compacts settled entries that ended before `now - compactAfterMs`, in batches (one short
   * transaction each); returns how many left the ledger. Runs on its own after reservations (at
   * most once a minute); callable.
   */
  async compact(now: number = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const [row] = await this.#q<{ n: number }>('SELECT pf_compact($1, $2, $3, $4) AS n', [now - this.#compactAfterMs, COMPACT_BATCH, now]);
      total += row!.n;
      if (row!.n < COMPACT_BATCH) return total;
    }
  }

  #maybeCompact(now: number): void {
    if (this.#compacting || now - this.#lastCompaction < COMPACT_EVERY_MS) return;
    this.#lastCompaction = now;
    this.#compacting = this.compact(now).catch(() => 0).finally(() => (this.#compacting = undefined));
  }

  async getEntry(id: string): Promise<LedgerEntry | undefined> {
    const [row] = await this.#q<EntryRow>('SELECT * FROM pf_entries WHERE deployment = $1 AND id = $2', [id]);
    return row && toEntry(row);
  }

  async entries(filter: { since?: number | undefined; kinds?: ReadonlyArray<EntryKind> } = {}): Promise<LedgerEntry[]> {
    const rows = await this.#q<EntryRow>(
      'SELECT * FROM pf_entries WHERE deployment = $1 AND ($2::text[] IS NULL OR kind = ANY($2)) AND ($3::bigint IS NULL OR end_at > $3) ORDER BY start_at, id',
      [filter.kinds ? [...filter.kinds] : null, filter.since ?? null],
    );
    return rows.map(toEntry);
  }

  async usage(limit: LimitCheck, now: number): Promise<number> {
    const [row] = await this.#q<{ used: string }>('SELECT pf_usage($1, $2, $3) AS used', [JSON.stringify(this.#scoped(limit)), now]);
    return Number(row!.used);
  }

  async appendReceipt(receipt: ReceiptRecord): Promise<void> {
    // Once per id (a unique index): a write that landed but whose answer was lost is retried by the
    // backlog, and a receipt counted twice would double a charge in every report.
    await this.#q(
      'INSERT INTO pf_receipts (deployment, id, at, origin, plan_id, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (deployment, id) DO NOTHING',
      [receipt.id, receipt.at, receipt.origin, receipt.planId ?? null, JSON.stringify(receipt)],
    );
  }

  async updateReceipt(id: string, change: Partial<ReceiptRecord>): Promise<void> {
    await this.#q('UPDATE pf_receipts SET body = body || $3::jsonb WHERE deployment = $1 AND id = $2', [id, JSON.stringify(definedOnly(change))]);
  }

  async receipts(query: ReceiptQuery = {}): Promise<ReceiptRecord[]> {
    const rows = await this.#q<{ body: ReceiptRecord }>(
      `SELECT body FROM (SELECT body, at, seq FROM pf_receipts
         WHERE deployment = $1 AND ($2::bigint IS NULL OR at >= $2) AND ($3::text IS NULL OR origin = $3) AND ($4::text IS NULL OR plan_id = $4)
         ORDER BY at DESC, seq DESC LIMIT $5) newest ORDER BY at, seq`,
      [query.since ?? null, query.origin ?? null, query.planId ?? null, query.limit ?? null],
    );
    return rows.map((r) => r.body);
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const [row] = await this.#q<{ body: KeyRecord }>('SELECT body FROM pf_keys WHERE deployment = $1 AND id = $2', [id]);
    return row?.body;
  }

  async putKey(record: KeyRecord): Promise<void> {
    await this.#q('INSERT INTO pf_keys (deployment, id, body) VALUES ($1, $2, $3) ON CONFLICT (deployment, id) DO UPDATE SET body = excluded.body', [record.id, JSON.stringify(record)]);
  }

  async deleteKey(id: string): Promise<void> {
    await this.#q('DELETE FROM pf_keys WHERE deployment = $1 AND id = $2', [id]);
  }

  async keys(): Promise<KeyRecord[]> {
    return (await this.#q<{ body: KeyRecord }>('SELECT body FROM pf_keys WHERE deployment = $1 ORDER BY id', [])).map((r) => r.body);
  }

  async addUnits(id: string, delta: number): Promise<number | undefined> {
    const [row] = await this.#q<{ units: string }>(
      `UPDATE pf_keys SET body = jsonb_set(body, '{units}', to_jsonb((body->>'units')::bigint + $3))
       WHERE deployment = $1 AND id = $2 AND jsonb_typeof(body->'units') = 'number' RETURNING body->>'units' AS units`,
      [id, delta],
    );
    return row ? Number(row.units) : undefined;
  }

  async putPending(purchase: PendingPurchase): Promise<void> {
    await this.#q('INSERT INTO pf_pending (deployment, id, body) VALUES ($1, $2, $3) ON CONFLICT (deployment, id) DO UPDATE SET body = excluded.body', [purchase.id, JSON.stringify(purchase)]);
  }

  async getPending(id: string): Promise<PendingPurchase | undefined> {
    const [row] = await this.#q<{ body: PendingPurchase }>('SELECT body FROM pf_pending WHERE deployment = $1 AND id = $2', [id]);
    return row?.body;
  }

  async deletePending(id: string): Promise<void> {
    await this.#q('DELETE FROM pf_pending WHERE deployment = $1 AND id = $2', [id]);
  }

  async getSecret(key: string, now: number): Promise<string | undefined> {
    const [row] = await this.#q<{ value: string }>('SELECT value FROM pf_secrets WHERE deployment = $1 AND key = $2 AND expires_at > $3', [key, now]);
    return row?.value;
  }

  async putSecret(key: string, value: string, expiresAt: number): Promise<void> {
    await this.#q(
      'INSERT INTO pf_secrets (deployment, key, value, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (deployment, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
      [key, value, expiresAt],
    );
  }

  async deleteSecret(key: string): Promise<void> {
    await this.#q('DELETE FROM pf_secrets WHERE deployment = $1 AND key = $2', [key]);
  }

  async tryLock(name: string, owner: string, ttlMs: number, now: number): Promise<number | undefined> {
    const [row] = await this.#q<{ fence: string | null }>('SELECT pf_try_lock($1, $2, $3, $4, $5) AS fence', [name, owner, now + ttlMs, now]);
    return row?.fence == null ? undefined : Number(row.fence);
  }

  async unlock(name: string, owner: string): Promise<void> {
    await this.#q('DELETE FROM pf_locks WHERE deployment = $1 AND name = $2 AND owner = $3', [name, owner]);
  }

  async lockHolder(name: string, now: number): Promise<string | undefined> {
    const [row] = await this.#q<{ owner: string }>('SELECT owner FROM pf_locks WHERE deployment = $1 AND name = $2 AND expires_at > $3', [name, now]);
    return row?.owner;
  }

  async close(): Promise<void> {
    await this.#compacting;
    if (this.#owned) await this.#pool.end();
  }
}
