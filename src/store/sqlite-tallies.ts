import type { SqliteStatement } from './sqlite-driver.js';
import { tallyId } from './tally-id.js';
import type { LedgerEntry, LimitCheck } from './types.js';

// Running totals for the embedded store (the idea of redis-ledger-scripts.ts, in SQL), run inside
// the caller's transaction. A tally (one limit shape) keeps `total` (its entries, released ones
// excepted) and, for a window, `below`: those that ended before the watermark `t`. The usage of a
// window is total - below - (entries ending in [t, now - window]), the last read on the index of
// end times; a reservation folds that last part into `below` and moves `t`. Each entry is folded
// once per tally, so a reservation reads a few rows whatever the size of the ledger, and writes
// one row per tally besides its entry (one more B-tree page per commit, not one per index).

export const TALLY_SCHEMA = `
CREATE TABLE IF NOT EXISTS tallies (tid TEXT PRIMARY KEY, def TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0, below INTEGER NOT NULL DEFAULT 0, t INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS future_entries (id TEXT PRIMARY KEY, start_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS future_entries_start ON future_entries (start_at);
`;

type Tally = Pick<LimitCheck, 'kinds' | 'origin' | 'planId' | 'note' | 'counts' | 'windowMs'> & { tid: string };

function matches(e: LedgerEntry, s: Tally): boolean {
  return s.kinds.includes(e.kind) && (s.origin === undefined || e.origin === s.origin) && (s.planId === undefined || e.planId === s.planId) && (s.note === undefined || e.note === s.note);
}

function weight(e: LedgerEntry, s: Tally): number {
  if (e.state === 'released') return 0;
  return s.counts ? (e.compactedCount ?? 1) : e.amountCents;
}

const fromOf = (windowMs: number, now: number) => Math.floor(now - windowMs) + 1;

export class SqliteTallies {
  readonly #stmt: (sql: string) => SqliteStatement;
  /** Tally definitions, reloaded when another process (or this one) adds one. */
  #defs: Tally[] = [];
  #defsVersion = -1;
  #fresh = false;

  constructor(stmt: (sql: string) => SqliteStatement) {
    this.#stmt = stmt;
  }

  /** Call at the start of each transaction: the definitions are read again (once) in it. */
  refresh(): void {
    this.#fresh = false;
  }

  #tallies(): Tally[] {
    if (this.#fresh) return this.#defs;
    this.#fresh = true;
    const version = (this.#stmt(`SELECT value FROM meta WHERE name = 'tallies'`).get() as { value: number } | undefined)?.value ?? 0;
    if (version !== this.#defsVersion) {
      this.#defs = (this.#stmt('SELECT def FROM tallies').all() as Array<{ def: string }>).map((r) => JSON.parse(r.def) as Tally);
      this.#defsVersion = version;
    }
    return this.#defs;
  }

  #apply(s: Tally, e: LedgerEntry, sign: 1 | -1): void {
    const w = weight(e, s);
    if (w === 0) return;
    const { t } = this.#stmt('UPDATE tallies SET total = total + ? WHERE tid = ? RETURNING t').get(sign * w, s.tid) as { t: number };
    if (s.windowMs !== undefined && e.endAt < t) this.#stmt('UPDATE tallies SET below = below + ? WHERE tid = ?').run(sign * w, s.tid);
  }

  /** The tally of `limit`, built by one scan of the ledger the first time it is asked for. */
  ensure(limit: LimitCheck, now: number): Tally {
    const tid = tallyId(limit);
    const known = this.#tallies().find((s) => s.tid === tid);
    if (known) return known;
    const s: Tally = { tid, kinds: [...limit.kinds], origin: limit.origin, planId: limit.planId, note: limit.note, counts: limit.counts, windowMs: limit.windowMs };
    this.#stmt('INSERT INTO tallies (tid, def, t) VALUES (?, ?, ?)').run(tid, JSON.stringify(s), s.windowMs === undefined ? 0 : fromOf(s.windowMs, now));
    for (const row of this.#stmt('SELECT * FROM entries').all() as Array<Record<string, unknown>>) {
      const e = toLedgerEntry(row);
      if (matches(e, s)) this.#apply(s, e, 1);
    }
    this.#stmt(`INSERT INTO meta (name, value) VALUES ('tallies', 1) ON CONFLICT (name) DO UPDATE SET value = value + 1`).run();
    this.refresh();
    return s;
  }

  /** Weight of the tally's entries ending in [from, to): a range of the end-time index. */
  #between(s: Tally, from: number, to: number): number {
    let sum = 0;
    for (const row of this.#stmt(`SELECT * FROM entries WHERE end_at >= ? AND end_at < ? AND state != 'released'`).all(from, to) as Array<Record<string, unknown>>) {
      const e = toLedgerEntry(row);
      if (matches(e, s)) sum += weight(e, s);
    }
    return sum;
  }

  /** Moves what left the window into `below` (a reservation's step). */
  fold(s: Tally, now: number): void {
    if (s.windowMs === undefined) return;
    const from = fromOf(s.windowMs, now);
    const { t } = this.#stmt('SELECT t FROM tallies WHERE tid = ?').get(s.tid) as { t: number };
    if (from <= t) return;
    this.#stmt('UPDATE tallies SET below = below + ?, t = ? WHERE tid = ?').run(this.#between(s, t, from), from, s.tid);
  }

  usage(s: Tally, now: number): number {
    const row = this.#stmt('SELECT total, below, t FROM tallies WHERE tid = ?').get(s.tid) as { total: number; below: number; t: number };
    if (s.windowMs === undefined) return row.total;
    const from = fromOf(s.windowMs, now);
    let used = row.total - row.below;
    if (from > row.t) used -= this.#between(s, row.t, from);
    // A watermark ahead of this caller (another process's clock ahead, or ours stepped back):
    // entries that ended in [from, t) are in its window again.
    else if (from < row.t) used += this.#between(s, from, row.t);
    // Entries that have not started yet do not count (they are few: kept aside, indexed).
    for (const { id } of this.#stmt('SELECT id FROM future_entries WHERE start_at > ?').all(now) as Array<{ id: string }>) {
      const found = this.#stmt('SELECT * FROM entries WHERE id = ?').get(id) as Record<string, unknown> | undefined;
      if (!found) continue;
      const e = toLedgerEntry(found);
      if (e.startAt > now && e.endAt >= from && matches(e, s)) used -= weight(e, s);
    }
    return used;
  }

  added(e: LedgerEntry, now: number): void {
    for (const s of this.#tallies()) if (matches(e, s)) this.#apply(s, e, 1);
    if (e.startAt > now) this.#stmt('INSERT OR REPLACE INTO future_entries (id, start_at) VALUES (?, ?)').run(e.id, e.startAt);
  }

  changed(before: LedgerEntry, after: LedgerEntry): void {
    for (const s of this.#tallies()) {
      if (!matches(before, s) || (weight(before, s) === weight(after, s) && before.endAt === after.endAt)) continue;
      this.#apply(s, before, -1);
      this.#apply(s, after, 1);
    }
  }
}

/** A row of the entries table as a ledger entry (the embedded store's column names). */
export function toLedgerEntry(row: Record<string, unknown>): LedgerEntry {
  const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
  return {
    id: String(row.id), kind: row.kind as LedgerEntry['kind'], state: row.state as LedgerEntry['state'], amountCents: Number(row.amount),
    startAt: Number(row.start_at), endAt: Number(row.end_at), origin: text(row.origin), planId: text(row.plan_id),
    delegationId: text(row.delegation_id), transactionId: text(row.transaction_id), note: text(row.note),
  };
}
