import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyRecord, LedgerEntry, LimitCheck, Store, ReceiptRecord } from '../../src/store/types.js';
import { redisUrl, storeMakers } from './stores.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

function entry(over: Partial<LedgerEntry> = {}): LedgerEntry {
  return { id: randomUUID(), kind: 'purchase', state: 'reserved', amountCents: 100, startAt: T0, endAt: T0, ...over };
}

const lifetime = (max: number, extra: Partial<LimitCheck> = {}): LimitCheck => ({ name: 'budget.lifetime', max, kinds: ['purchase', 'delegation'], ...extra });

if (!redisUrl) console.warn('\n!!! No Redis server: the store contract runs on memory and embedded only !!!\n');

describe.each(storeMakers)('Store contract: %s', (_name, make) => {
  let store: Store;
  const cleanups: Array<() => Promise<void>> = [];
  const fresh = async () => {
    const made = await make();
    cleanups.push(made.cleanup);
    store = made.store;
    return store;
  };
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  it('reserves within a limit and refuses past it, saying which limit and how much was used', async () => {
    await fresh();
    expect((await store.reserve(entry({ amountCents: 300 }), [lifetime(500)], T0)).ok).toBe(true);
    const refused = await store.reserve(entry({ amountCents: 300 }), [lifetime(500)], T0);
    expect(refused).toEqual({ ok: false, violated: lifetime(500), used: 300 });
    expect(await store.usage(lifetime(500), T0)).toBe(300);
  });

  it('is atomic: 100 concurrent reservations with room for 7 grant exactly 7', async () => {
    await fresh();
    const results = await Promise.all(Array.from({ length: 100 }, () => store.reserve(entry({ amountCents: 100 }), [lifetime(700)], T0)));
    expect(results.filter((r) => r.ok)).toHaveLength(7);
  });

  it('the same id reserves once', async () => {
    await fresh();
    const e = entry({ amountCents: 400 });
    await store.reserve(e, [lifetime(500)], T0);
    const again = await store.reserve(e, [lifetime(500)], T0);
    expect(again.ok).toBe(true);
    expect(await store.usage(lifetime(500), T0)).toBe(400);
  });

  it('counts an entry in a window while its life overlaps it; released entries never', async () => {
    await fresh();
    const hour: LimitCheck = { name: 'budget.perHour', windowMs: HOUR, max: 1000, kinds: ['delegation', 'purchase'] };
    await store.reserve(entry({ kind: 'delegation', amountCents: 600, endAt: T0 + 2 * HOUR }), [hour], T0);
    const p = entry({ amountCents: 100 });
    await store.reserve(p, [hour], T0);
    expect(await store.usage(hour, T0)).toBe(700);
    expect(await store.usage(hour, T0 + HOUR + 1)).toBe(600); // the purchase left the window, the delegation did not
    expect(await store.usage(hour, T0 + 3 * HOUR + 1)).toBe(0);
    await store.settle(p.id, { state: 'released' });
    expect(await store.usage(hour, T0)).toBe(600);
  });

  it('filters limits by kind, origin, plan and note; counts when asked to', async () => {
    await fresh();
    await store.reserve(entry({ kind: 'pack', origin: 'https://a', planId: '1', note: 'top-up' }), [], T0);
    await store.reserve(entry({ kind: 'pack', origin: 'https://b', planId: '2' }), [], T0);
    await store.reserve(entry({ kind: 'charge', origin: 'https://a', amountCents: 50 }), [], T0);
    expect(await store.usage({ name: 'o', max: 1, kinds: ['pack', 'charge'], origin: 'https://a' }, T0)).toBe(150);
    expect(await store.usage({ name: 'p', max: 1, kinds: ['pack'], planId: '2' }, T0)).toBe(100);
    expect(await store.usage({ name: 'n', max: 1, kinds: ['pack'], note: 'top-up', counts: true }, T0)).toBe(1);
    expect(await store.usage(lifetime(1), T0)).toBe(0);
  });

  it('settles entries: state, amount, end and delegation id', async () => {
    await fresh();
    const e = entry({ kind: 'delegation', amountCents: 1000, endAt: T0 + HOUR });
    await store.reserve(e, [], T0);
    await store.settle(e.id, { state: 'committed', amountCents: 250, endAt: T0 + 10, delegationId: 'd-1' });
    expect(await store.getEntry(e.id)).toMatchObject({ state: 'committed', amountCents: 250, endAt: T0 + 10, delegationId: 'd-1' });
    expect((await store.entries({ kinds: ['delegation'] })).map((x) => x.id)).toEqual([e.id]);
    expect(await store.entries({ since: T0 + 20 })).toEqual([]);
  });

  it('keeps receipts, queries them, updates them', async () => {
    await fresh();
    for (let i = 0; i < 3; i += 1) {
      await store.appendReceipt({ id: `r${i}`, at: T0 + i, method: 'GET', origin: i === 2 ? 'https://b' : 'https://a', path: '/x', status: 200, planId: String(i % 2), outcome: 'paid' });
    }
    expect((await store.receipts()).map((r) => r.id)).toEqual(['r0', 'r1', 'r2']);
    expect((await store.receipts({ since: T0 + 1 })).map((r) => r.id)).toEqual(['r1', 'r2']);
    expect((await store.receipts({ origin: 'https://a', planId: '1' })).map((r) => r.id)).toEqual(['r1']);
    expect((await store.receipts({ limit: 1 })).map((r) => r.id)).toEqual(['r2']);
    await store.updateReceipt('r1', { outcome: 'no-charge', amountCents: 0 });
    expect((await store.receipts({ since: T0 + 1, limit: 1 }))[0]?.id).toBe('r2');
    expect((await store.receipts()).find((r) => r.id === 'r1')).toMatchObject({ outcome: 'no-charge', amountCents: 0, path: '/x' });
  });

  it('keeps its own copy of a receipt: changing the one given or one handed out changes nothing stored', async () => {
    await fresh();
    const given: ReceiptRecord = { id: 'r1', at: T0, method: 'GET', origin: 'https://a', path: '/x', status: 200, outcome: 'paid', amountCents: 5, tags: { team: 'a' } };
    await store.appendReceipt(given);
    given.amountCents = 500;
    given.tags!.team = 'b';
    const [out] = await store.receipts();
    out!.outcome = 'unknown';
    out!.tags!.team = 'c';
    expect((await store.receipts())[0]).toMatchObject({ amountCents: 5, outcome: 'paid', tags: { team: 'a' } });
  });

  it('caches keys and counts units atomically', async () => {
    await fresh();
    const key: KeyRecord = { id: 'exa:1:0xabc', provider: 'exa', planId: '1', principal: '0xabc', apiKey: 'exa_secret', createdAt: T0, purchases: 1, units: 10 };
    await store.putKey(key);
    expect(await store.getKey(key.id)).toEqual(key);
    await Promise.all(Array.from({ length: 10 }, () => store.addUnits(key.id, -1)));
    expect((await store.getKey(key.id))?.units).toBe(0);
    await store.putKey({ ...key, id: 'k2', units: undefined });
    expect(await store.addUnits('k2', -1)).toBeUndefined();
    expect((await store.keys()).map((k) => k.id)).toEqual(['exa:1:0xabc', 'k2']);
    await store.deleteKey('k2');
    expect(await store.getKey('k2')).toBeUndefined();
  });

  it('records pending purchases', async () => {
    await fresh();
    const pending = { id: 'purchase:exa', provider: 'exa', planId: '1', principal: '0x', token: 'tok', tokenHash: 'sha256:x', reason: 'first', createdAt: T0 };
    await store.putPending(pending);
    expect(await store.getPending('purchase:exa')).toEqual(pending);
    await store.deletePending('purchase:exa');
    expect(await store.getPending('purchase:exa')).toBeUndefined();
  });

  it('keeps secrets until they expire', async () => {
    await fresh();
    await store.putSecret('token-key', 'tok', T0 + 1000);
    expect(await store.getSecret('token-key', T0)).toBe('tok');
    expect(await store.getSecret('token-key', T0 + 1000)).toBeUndefined();
    await store.deleteSecret('token-key');
    expect(await store.getSecret('token-key', T0)).toBeUndefined();
  });

  it('grants a lease to one owner at a time, with growing fencing tokens, freed on expiry or unlock', async () => {
    await fresh();
    const a = await store.tryLock('buy', 'a', 200, Date.now());
    expect(a).toEqual(expect.any(Number));
    expect(await store.tryLock('buy', 'b', 200, Date.now())).toBeUndefined();
    await store.unlock('buy', 'b'); // not b's to release
    expect(await store.tryLock('buy', 'b', 200, Date.now())).toBeUndefined();
    await store.unlock('buy', 'a');
    const b = await store.tryLock('buy', 'b', 100, Date.now());
    expect(b).toBeGreaterThan(a!);
    await new Promise((r) => setTimeout(r, 150)); // b "crashed": its lease runs out
    expect(await store.tryLock('buy', 'c', 100, Date.now())).toBeGreaterThan(b!);
  });
});
