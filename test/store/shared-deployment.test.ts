import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { tallyId } from '../../src/store/tally-id.js';
import type { LedgerEntry, LimitCheck, Store } from '../../src/store/types.js';
import { postgresUrl, redisUrl } from './stores.js';

// Processes sharing one Redis or Postgres deployment, each with its own options, and what
// compaction by one must never do to the others.

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Compacting = Store & { compact(now?: number): Promise<number> };
type Maker = (prefix: string, compactAfterMs: number) => Promise<Compacting>;

const makers: Array<[string, Maker]> = [
  ...(redisUrl ? [['Redis', (prefix: string, compactAfterMs: number) => RedisStore.connect(redisUrl, { prefix, compactAfterMs })] as [string, Maker]] : []),
  ...(postgresUrl ? [['Postgres', (prefix: string, compactAfterMs: number) => PostgresStore.connect(postgresUrl, { prefix, compactAfterMs })] as [string, Maker]] : []),
];

const purchase = (id: string, at: number, amountCents: number): LedgerEntry => ({ id, kind: 'purchase', state: 'reserved', amountCents, startAt: at, endAt: at });

describe.each(makers)('a %s deployment shared by processes', (_name, make) => {
  it('compaction by a process with hourly limits leaves another process\'s daily window whole: its daily cap still holds', async () => {
    const prefix = `sd-${randomUUID().slice(0, 8)}`;
    const daily = await make(prefix, 7 * DAY); // P2: a perDay limit
    const hourly = await make(prefix, 2 * HOUR); // P1: hourly limits only, compacts after 2 hours
    const perDay: LimitCheck = { name: 'budget.perDay', windowMs: DAY, max: 1_000, kinds: ['purchase'] };
    try {
      for (let i = 0; i < 10; i += 1) {
        const at = T0 + i * HOUR;
        expect((await daily.reserve(purchase(`p${i}`, at, 90), [perDay], at)).ok).toBe(true);
        await daily.settle(`p${i}`, { state: 'committed' });
      }
      const now = T0 + 12 * HOUR;
      await hourly.compact(now); // cutoff now - 2 h: every entry above, inside P2's day
      expect(await daily.usage(perDay, now)).toBe(900);
      const over = await daily.reserve(purchase('over', now, 200), [perDay], now);
      expect(over).toMatchObject({ ok: false, used: 900 });
      expect(await daily.getEntry('p0')).toMatchObject({ state: 'committed' });
    } finally {
      await hourly.close();
      await daily.close();
    }
  });

  it('a window first asked for after compaction counts the compacted totals as past: its usage falls back to 0 once the window has moved on', async () => {
    const prefix = `sd-${randomUUID().slice(0, 8)}`;
    const first = await make(prefix, 2 * HOUR);
    const lifetime: LimitCheck = { name: 'budget.lifetime', max: 1e9, kinds: ['purchase'] };
    try {
      for (let i = 0; i < 5; i += 1) {
        const at = T0 + i * HOUR;
        await first.reserve(purchase(`p${i}`, at, 10), [lifetime], at);
        await first.settle(`p${i}`, { state: 'committed' });
      }
      await first.compact(T0 + 8 * HOUR); // no window anywhere yet: all of them go (reservations may have started it)
      expect((await first.entries()).map((e) => e.compactedCount)).toEqual([5]);
      const later = await make(prefix, 7 * DAY);
      const perDay: LimitCheck = { name: 'budget.perDay', windowMs: DAY, max: 1e9, kinds: ['purchase'] };
      await later.usage(perDay, T0 + 8 * HOUR); // the tally is built here
      expect(await later.usage(perDay, T0 + 3 * DAY)).toBe(0);
      expect(await later.usage(lifetime, T0 + 3 * DAY)).toBe(50);
      await later.close();
    } finally {
      await first.close();
    }
  });

  it('keeps card charges through compaction: the recorder and reconcile look them up by id, so a charge is never counted twice', async () => {
    const store = await make(`sd-${randomUUID().slice(0, 8)}`, 2 * HOUR);
    const lifetime: LimitCheck = { name: 'budget.lifetime', max: 1e9, kinds: ['charge', 'purchase'] };
    try {
      await store.reserve({ id: 'charge:pi_1', kind: 'charge', state: 'reserved', amountCents: 250, startAt: T0, endAt: T0, transactionId: 'pi_1' }, [lifetime], T0);
      await store.settle('charge:pi_1', { state: 'committed' });
      await store.reserve(purchase('p1', T0, 10), [lifetime], T0);
      await store.settle('p1', { state: 'committed' });
      await store.compact(T0 + 3 * DAY);
      expect(await store.getEntry('charge:pi_1')).toMatchObject({ state: 'committed', amountCents: 250, transactionId: 'pi_1' });
      expect(await store.getEntry('p1')).toBeUndefined(); // (a purchase is compacted)
      expect(await store.usage(lifetime, T0 + 3 * DAY)).toBe(260);
    } finally {
      await store.close();
    }
  });

  it('refuses a window less than an hour shorter than compactAfterMs', async () => {
    const store = await make(`sd-${randomUUID().slice(0, 8)}`, DAY + HOUR - 1);
    try {
      await expect(store.usage({ name: 'budget.perDay', windowMs: DAY, max: 1, kinds: ['purchase'] }, T0)).rejects.toThrow(/compactAfterMs/);
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(!postgresUrl)('the Postgres store, shared', () => {
  it('compaction skips an expired lease that another process is taking (waiting on it while holding the deployment deadlocked with pf_try_lock)', async () => {
    const prefix = `sd-${randomUUID().slice(0, 8)}`;
    // lock_timeout: a wait on a row lock fails after 2 s instead of hanging.
    const store = await PostgresStore.connect(postgresUrl, { prefix, compactAfterMs: 2 * HOUR, pool: { lock_timeout: 2_000 } });
    const other = new pg.Client({ connectionString: postgresUrl });
    await other.connect();
    try {
      expect(await store.tryLock('resume', 'a', 1_000, T0)).toBeTypeOf('number');
      await other.query('BEGIN');
      // pf_try_lock's first statement, for the expired lease: its row is now locked by `other`.
      await other.query(`UPDATE pf_locks SET owner = 'b', expires_at = $3 WHERE deployment = $1 AND name = $2`, [prefix, 'resume', T0 + 60_000]);
      await store.compact(T0 + 5_000); // holds the deployment's row, must not wait on the lease's
      // pf_try_lock's second statement: the deployment's row, free again.
      await other.query('UPDATE pf_deployments SET fence = fence + 1 WHERE deployment = $1', [prefix]);
      await other.query('COMMIT');
      expect(await store.lockHolder('resume', T0 + 5_000)).toBe('b');
    } finally {
      await other.query('ROLLBACK').catch(() => {});
      await other.end();
      await store.close();
    }
  }, 30_000);

  it('a store whose first schema check failed (database unreachable) works once the database answers', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl });
    const connect = pool.connect.bind(pool) as unknown as (...args: unknown[]) => unknown;
    let down = true;
    // (pool.query connects with a callback: passed through once the database is up.)
    (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args) => (down ? Promise.reject(new Error('connect ECONNREFUSED')) : connect(...args));
    const store = new PostgresStore(pool, { prefix: `sd-${randomUUID().slice(0, 8)}` });
    const lifetime: LimitCheck = { name: 'budget.lifetime', max: 1, kinds: ['purchase'] };
    try {
      await expect(store.usage(lifetime, T0)).rejects.toThrow(/ECONNREFUSED/);
      down = false;
      expect(await store.usage(lifetime, T0)).toBe(0);
    } finally {
      await store.close();
      await pool.end();
    }
  });

  it('a new schema builds every running total again: entries written by a version without them are counted', async () => {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    const db = `pf_upgrade_${randomUUID().slice(0, 8)}`;
    await admin.query(`CREATE DATABASE ${db}`);
    const url = postgresUrl.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);
    const lifetime: LimitCheck = { name: 'budget.lifetime', max: 1e9, kinds: ['purchase'] };
    try {
      const before = await PostgresStore.connect(url, { prefix: 'up' });
      await before.reserve(purchase('p1', T0, 10), [lifetime], T0);
      await before.close();
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      // An older process (no running totals) writes an entry, and this schema is not recorded yet.
      await raw.query(`INSERT INTO pf_entries (deployment, id, kind, state, amount, start_at, end_at) VALUES ('up', 'old', 'purchase', 'committed', 40, $1, $1)`, [T0]);
      await raw.query('DELETE FROM pf_schema');
      await raw.end();
      const after = await PostgresStore.connect(url, { prefix: 'up' });
      expect(await after.usage(lifetime, T0)).toBe(50);
      await after.close();
    } finally {
      await admin.query(`DROP DATABASE ${db} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
  }, 30_000);
});

describe.skipIf(!redisUrl)('the Redis store, after an upgrade', () => {
  it('takes a running total built before totals were marked as built, without scanning every entry again', async () => {
    const prefix = `sd-${randomUUID().slice(0, 8)}`;
    const store = await RedisStore.connect(redisUrl, { prefix });
    const raw = new Redis(redisUrl);
    const lifetime: LimitCheck = { name: 'budget.lifetime', max: 1e9, kinds: ['purchase'] };
    try {
      await store.reserve(purchase('p1', T0, 10), [lifetime], T0);
      const key = (name: string) => `{pf:${prefix}}:${name}`;
      await raw.hdel(key(`w:${tallyId(lifetime)}`), 'ok'); // as the previous version left it
      // A marker no running total counts: a scan would find it, the kept total does not.
      await raw.hset(key('entries'), 'marker', JSON.stringify({ ...purchase('marker', T0, 1_000), state: 'committed' }));
      expect(await store.usage(lifetime, T0)).toBe(10);
      expect(await raw.hget(key(`w:${tallyId(lifetime)}`), 'ok')).toBe('1');
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});
