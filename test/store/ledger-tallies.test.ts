import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { counts, usageOf } from '../../src/store/usage.js';
import type { EntryChange, EntryKind, EntryState, LedgerEntry, LimitCheck, ReserveResult } from '../../src/store/types.js';
import type { Store } from '../../src/store/types.js';
import { postgresUrl, redisUrl, tempHome } from './stores.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A small seeded generator: the same run every time, so a failure can be replayed. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s % n;
  };
}

const KINDS: EntryKind[] = ['delegation', 'purchase', 'pack', 'charge'];
const ORIGINS = [undefined, 'https://a', 'https://b'];
const STATES: EntryState[] = ['committed', 'released', 'unknown', 'reserved'];

function limits(r: (n: number) => number): LimitCheck[] {
  const pick = <T>(xs: T[]): T => xs[r(xs.length)]!;
  return Array.from({ length: 3 }, (_, i) => ({
    name: `l${i}`,
    windowMs: pick([undefined, HOUR, DAY, 90_000]),
    max: 1 + r(5_000),
    counts: r(4) === 0,
    kinds: KINDS.filter(() => r(2) === 0).concat(pick(KINDS)),
    origin: pick(ORIGINS),
    planId: r(3) === 0 ? pick(['1', '2']) : undefined,
    note: r(5) === 0 ? 'renewal' : undefined,
  }));
}

/** The rule itself: every reservation and usage sums the whole ledger (usage.ts). The oracle. */
class ScanningLedger {
  readonly #entries = new Map<string, LedgerEntry>();

  async reserve(entry: LedgerEntry, limits: ReadonlyArray<LimitCheck>, now: number): Promise<ReserveResult> {
    const existing = this.#entries.get(entry.id);
    if (existing) return { ok: true, entry: { ...existing } };
    const reserved: LedgerEntry = { ...entry, state: 'reserved' };
    for (const limit of limits) {
      if (!counts(reserved, limit, now)) continue;
      const used = usageOf(this.#entries.values(), limit, now);
      if (used + (limit.counts ? 1 : entry.amountCents) > limit.max) return { ok: false, violated: limit, used };
    }
    this.#entries.set(entry.id, reserved);
    return { ok: true, entry: { ...reserved } };
  }

  async settle(id: string, change: EntryChange): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry) Object.assign(entry, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
  }

  async usage(limit: LimitCheck, now: number): Promise<number> {
    return usageOf(this.#entries.values(), limit, now);
  }
}

// The stores that keep running totals instead of scanning the ledger on each reservation.
const tallied: Array<[string, () => Promise<Store>]> = [
  ['memory', async () => new MemoryStore()],
  ['embedded', async () => new EmbeddedStore(tempHome())],
  ...(redisUrl ? [['redis', () => RedisStore.connect(redisUrl, { prefix: `rl-${randomUUID().slice(0, 8)}`, compactAfterMs: 365 * DAY })] as [string, () => Promise<Store>]] : []),
  ...(postgresUrl ? [['postgres', () => PostgresStore.connect(postgresUrl, { prefix: `rl-${randomUUID().slice(0, 8)}`, compactAfterMs: 365 * DAY })] as [string, () => Promise<Store>]] : []),
];

/** How a random walk moves its clock and dates its entries (the rest of each step is shared). */
interface Walk {
  clock(now: number): number;
  startAt(now: number): number;
  endAt(startAt: number, now: number): number;
  /** A settle's new end, or undefined to leave it. */
  settledEnd(now: number): number | undefined;
}

/** `steps` random reservations, settles and usage reads, each answered by `store` exactly as a scan. */
async function walkBesideScan(store: Store, r: (n: number) => number, steps: number, walk: Walk): Promise<void> {
  const scan = new ScanningLedger();
  const ids: string[] = [];
  let now = T0;
  try {
    for (let step = 0; step < steps; step += 1) {
      now = walk.clock(now);
      const op = r(10);
      if (op < 5) {
        const startAt = walk.startAt(now);
        const entry: LedgerEntry = {
          id: `e${step}`, kind: KINDS[r(4)]!, state: 'reserved', amountCents: r(500), startAt, endAt: walk.endAt(startAt, now),
          origin: ORIGINS[r(3)], planId: r(2) ? '1' : '2', note: r(4) === 0 ? 'renewal' : undefined,
        };
        const ls = limits(r);
        expect(await store.reserve(entry, ls, now), `step ${step}`).toEqual(await scan.reserve(entry, ls, now));
        ids.push(entry.id);
      } else if (op < 8 && ids.length > 0) {
        const id = ids[r(ids.length)]!;
        const change = { state: STATES[r(4)]!, amountCents: r(2) ? r(500) : undefined, endAt: walk.settledEnd(now) };
        await store.settle(id, change);
        await scan.settle(id, change);
      } else {
        for (const limit of limits(r)) expect(await store.usage(limit, now), `step ${step}`).toBe(await scan.usage(limit, now));
      }
    }
  } finally {
    await store.close();
  }
}

describe.each(tallied)('the %s ledger keeps running totals', (_name, make) => {
  // One difference, on purpose: an entry that had started when it was reserved counts from then on,
  // even for a caller whose clock is behind the reserver's (the safe side under clock skew).
  it('answers every reservation and usage exactly as a scan of every entry (2,000 random steps)', async () => {
    const r = rng(19);
    // (Redis and Postgres: no compaction, the scan keeps all.) Callers ask at their present, which only moves forward.
    await walkBesideScan(await make(), r, 2_000, {
      clock: (now) => now + (r(4) === 0 ? r(3 * HOUR) : r(60_000)),
      startAt: (now) => (r(10) === 0 ? now + r(2 * HOUR) : now - r(HOUR)),
      endAt: (startAt) => startAt + (r(2) ? 0 : r(2 * DAY)),
      settledEnd: (now) => (r(3) === 0 ? now + r(DAY) - r(DAY) : undefined),
    });
  }, 120_000);

  // A watermark ahead of the caller: another process's clock is ahead, or this one stepped back.
  // Entries all started before the first step, so "not started yet" never differs from the scan.
  it('answers exactly when the caller\'s clock is behind the watermark (1,500 random steps, now going back)', async () => {
    const r = rng(7);
    await walkBesideScan(await make(), r, 1_500, {
      clock: (now) => {
        const move = r(20);
        if (move < 3) now -= r(4 * 60_000); // a little behind (clocks apart)
        else if (move === 3) now -= r(3 * HOUR); // stepped back far
        else now += r(4) === 0 ? r(2 * HOUR) : r(60_000);
        return Math.max(now, T0);
      },
      startAt: () => T0 - 1 - r(HOUR),
      endAt: (startAt, now) => Math.max(startAt, now + r(2 * HOUR) - r(2 * HOUR)),
      settledEnd: (now) => (r(3) === 0 ? Math.max(T0, now + r(HOUR) - r(HOUR)) : undefined),
    });
  }, 120_000);
});

type Compacting = Store & { compact(now?: number): Promise<number> };

// The stores that compact old settled entries (both take a prefix and compactAfterMs).
const compacting: Array<[string, (compactAfterMs: number) => Promise<Compacting>]> = [
  ...(redisUrl ? [['Redis', (compactAfterMs: number) => RedisStore.connect(redisUrl, { prefix: `rc-${randomUUID().slice(0, 8)}`, compactAfterMs })] as [string, (ms: number) => Promise<Compacting>]] : []),
  ...(postgresUrl ? [['Postgres', (compactAfterMs: number) => PostgresStore.connect(postgresUrl, { prefix: `rc-${randomUUID().slice(0, 8)}`, compactAfterMs })] as [string, (ms: number) => Promise<Compacting>]] : []),
];

describe.each(compacting)('the %s ledger compacts', (_name, make) => {
  it('compacts settled entries of ended windows: the ledger shrinks, every total stays the same', async () => {
    const store = await make(2 * DAY);
    const lifetime: LimitCheck = { name: 'budget.lifetime', max: 1e9, kinds: ['purchase', 'delegation'] };
    const counted: LimitCheck = { name: 'count', max: 1e9, counts: true, kinds: ['purchase'], origin: 'https://a' };
    const day: LimitCheck = { name: 'budget.perDay', windowMs: DAY, max: 1e9, kinds: ['purchase', 'delegation'] };
    try {
      for (let i = 0; i < 300; i += 1) {
        const at = T0 + i * 60_000;
        const e: LedgerEntry = { id: `old${i}`, kind: 'purchase', state: 'reserved', amountCents: 10, startAt: at, endAt: at, origin: i % 2 ? 'https://a' : 'https://b' };
        await store.reserve(e, [lifetime, counted, day], at);
        await store.settle(e.id, { state: i % 3 === 0 ? 'released' : 'committed' });
      }
      // An ended delegation: kept whole (renewal consent and reconcile look it up by delegationId).
      await store.reserve({ id: 'ended', kind: 'delegation', state: 'reserved', amountCents: 300, startAt: T0, endAt: T0 + DAY, delegationId: 'd-ended' }, [lifetime], T0);
      await store.settle('ended', { state: 'committed', amountCents: 120 });
      const later = T0 + 10 * DAY;
      await store.reserve({ id: 'live', kind: 'delegation', state: 'reserved', amountCents: 500, startAt: later, endAt: later + DAY }, [lifetime], later);
      const before = { lifetime: await store.usage(lifetime, later), counted: await store.usage(counted, later), day: await store.usage(day, later) };
      expect(before).toEqual({ lifetime: 200 * 10 + 500 + 120, counted: 100, day: 500 });
      await store.compact(later); // (a reservation may have started it already)
      const entries = await store.entries();
      expect(entries.length).toBeLessThanOrEqual(4); // 'live', 'ended' and one compacted total per origin
      expect(await store.getEntry('ended')).toMatchObject({ state: 'committed', delegationId: 'd-ended' });
      expect(await store.getEntry('old1')).toBeUndefined();
      expect(await store.getEntry('live')).toMatchObject({ state: 'reserved' });
      expect({ lifetime: await store.usage(lifetime, later), counted: await store.usage(counted, later), day: await store.usage(day, later) }).toEqual(before);
      // A limit never seen before is built from what is left, compacted totals included.
      expect(await store.usage({ name: 'fresh', max: 1, kinds: ['purchase'] }, later)).toBe(200 * 10);
      expect(entries.filter((e) => e.kind === 'purchase').reduce((s, e) => s + e.amountCents, 0)).toBe(200 * 10);
      await expect(store.usage({ ...day, windowMs: 3 * DAY }, later)).rejects.toThrow(/compactAfterMs/);
    } finally {
      await store.close();
    }
  });
});
