import { describe, expect, it } from 'vitest';
import { BudgetExceededError, VelocityExceededError } from '../../src/index.js';
import { Ledger } from '../../src/policy/ledger.js';
import { DAY_MS, HOUR_MS } from '../../src/policy/limits.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { MemoryStore } from '../../src/store/memory-store.js';

function ledger(policy: unknown, start = 1_700_000_000_000) {
  const clock = { t: start };
  const warnings: unknown[] = [];
  const l = new Ledger(new MemoryStore(), parsePolicy(policy), () => clock.t, (w) => warnings.push(w));
  return { l, clock, warnings };
}

const purchase = (amountCents: number, extra = {}) => ({ kind: 'purchase' as const, amountCents, what: 'a pack', ...extra });

describe('the ledger', () => {
  it('reserves within the budget and refuses past it, with the facts', async () => {
    const { l } = ledger({ budget: { lifetimeCents: 1000 } });
    await l.reserve(purchase(700));
    const error = await l.reserve(purchase(400)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', limit: 'budget.lifetime', limitCents: 1000, usedCents: 700, remainingCents: 300, requestedCents: 400 });
    expect((error as Error).message).toContain('$3.00 left');
  });

  it('200 concurrent reservations with room for 5 grant exactly 5', async () => {
    const { l } = ledger({ budget: { perDayCents: 500 } });
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => l.reserve(purchase(100))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof BudgetExceededError)).toBe(true);
  });

  it('a release (definitive failure) frees the money; an unknown outcome keeps it', async () => {
    const { l } = ledger({ budget: { lifetimeCents: 100 } });
    const first = await l.reserve(purchase(100));
    await l.release(first.id);
    const second = await l.reserve(purchase(100));
    await l.markUnknown(second.id);
    await expect(l.reserve(purchase(1))).rejects.toBeInstanceOf(BudgetExceededError);
    expect((await l.budget()).unknownCents).toBe(100);
  });

  it('rolling windows free their money once the window has passed', async () => {
    const { l, clock } = ledger({ budget: { perHourCents: 100, perDayCents: 250 } });
    await l.reserve(purchase(100));
    await expect(l.reserve(purchase(100))).rejects.toMatchObject({ limit: 'budget.perHour' });
    clock.t += HOUR_MS + 1;
    await l.reserve(purchase(100));
    clock.t += HOUR_MS + 1;
    await expect(l.reserve(purchase(100))).rejects.toMatchObject({ limit: 'budget.perDay', usedCents: 200 });
    clock.t += DAY_MS;
    await l.reserve(purchase(100));
  });

  it('a delegation weighs on every window its life overlaps', async () => {
    const { l, clock } = ledger({ budget: { perHourCents: 500 } });
    await l.reserve({ kind: 'delegation', amountCents: 500, endAt: clock.t + 3 * HOUR_MS, what: 'a delegation' });
    clock.t += 2 * HOUR_MS; // the delegation can still be charged: the hour window still counts it
    await expect(l.reserve(purchase(1))).rejects.toBeInstanceOf(BudgetExceededError);
    clock.t += 2 * HOUR_MS; // expired over an hour ago
    await l.reserve(purchase(500));
  });

  it('closing a delegation commits what it spent and frees the rest', async () => {
    const { l } = ledger({ budget: { lifetimeCents: 1000 } });
    const d = await l.reserve({ kind: 'delegation', amountCents: 1000, endAt: Date.now() + DAY_MS, what: 'a delegation' });
    await l.close(d.id, 300);
    const view = await l.budget();
    expect(view.lifetime).toEqual({ limitCents: 1000, reservedCents: 0, committedCents: 300, remainingCents: 700, spentCents: 300, unspentReservedCents: 0 });
  });

  it('caps per origin count purchases and observed charges of that origin only', async () => {
    const { l } = ledger({ perOrigin: { 'https://a.io': { lifetimeCents: 150 } } });
    await l.reserve(purchase(100, { origin: 'https://a.io' }));
    await l.reserve(purchase(1000, { origin: 'https://b.io' }));
    await expect(l.reserve(purchase(100, { origin: 'https://a.io' }))).rejects.toMatchObject({ limit: 'origin:https://a.io.lifetime' });
    await l.reserve({ kind: 'charge', amountCents: 50, origin: 'https://a.io', what: 'a charge' }, { enforce: false });
    await expect(l.assertCapsOpen('https://a.io', undefined, 'x')).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(l.assertCapsOpen('https://b.io', undefined, 'x')).resolves.toBeUndefined();
  });

  it('maxPurchasesPer limits how many purchases happen in a window', async () => {
    const { l, clock } = ledger({ maxPurchasesPer: { hour: 2 } });
    await l.reserve(purchase(1));
    await l.reserve(purchase(1));
    await expect(l.reserve(purchase(1))).rejects.toBeInstanceOf(VelocityExceededError);
    clock.t += HOUR_MS + 1;
    await l.reserve(purchase(1));
  });

  it('warns once when what was spent passes the threshold', async () => {
    const { l, warnings } = ledger({ budget: { lifetimeCents: 1000 }, budgetWarningPercent: 75 });
    await l.commit((await l.reserve(purchase(700))).id);
    expect(warnings).toEqual([]);
    await l.reserve(purchase(100)); // reserved, not spent: no warning yet (issue 18, 4)
    expect(warnings).toEqual([]);
    await l.commit((await l.reserve(purchase(100))).id);
    await l.commit((await l.reserve(purchase(50))).id);
    expect(warnings).toEqual([{ limit: 'budget.lifetime', limitCents: 1000, spentCents: 800, unspentReservedCents: 100, usedCents: 800, percent: 80 }]);
  });

  it('near the threshold, charges under a reserved delegation do not read the whole history on each commit, and the warning still comes on the crossing', async () => {
    const store = new MemoryStore();
    let historyReads = 0;
    const entries = store.entries.bind(store);
    store.entries = (filter) => ((historyReads += 1), entries(filter));
    const clock = { t: 1_700_000_000_000 };
    const warnings: Array<{ spentCents: number }> = [];
    const l = new Ledger(store, parsePolicy({ budget: { lifetimeCents: 1000 } }), () => clock.t, (w) => warnings.push(w));
    await l.reserve({ id: 'delegation:d', kind: 'delegation', amountCents: 900, delegationId: 'd', what: 'a delegation' }); // 90%: reserved warning
    for (let i = 0; i < 200; i += 1) {
      const charge = await l.reserve({ kind: 'charge', amountCents: 1, delegationId: 'd', what: 'a card charge' }, { enforce: false });
      await l.commit(charge.id);
    }
    expect(historyReads).toBeLessThanOrEqual(3); // was one or two per charge: 400
    expect(warnings).toEqual([]); // $2 spent of $10
    for (let i = 0; i < 600; i += 1) await l.commit((await l.reserve({ kind: 'charge', amountCents: 1, delegationId: 'd', what: 'a card charge' }, { enforce: false })).id);
    expect(warnings).toMatchObject([{ limit: 'budget.lifetime', spentCents: 800, percent: 80 }]); // on the very commit that crossed
    expect(historyReads).toBeLessThanOrEqual(6);
  });

  it('a commit landing while another reads the history still counts: its own check does not skip the crossing', async () => {
    const store = new MemoryStore();
    const gate = () => {
      let open!: () => void;
      return { opened: new Promise<void>((r) => (open = r)), open: () => open() };
    };
    const clock = { t: 1_700_000_000_000 };
    let readGate: ReturnType<typeof gate> | undefined;
    let reading: (() => void) | undefined;
    const entryGates = new Map<string, ReturnType<typeof gate>>();
    const entries = store.entries.bind(store);
    const getEntry = store.getEntry.bind(store);
    // The history snapshot is taken, then answered when the test says; one entry lookup waits likewise.
    store.entries = async (filter) => {
      const snapshot = await entries(filter);
      reading?.();
      if (readGate) await readGate.opened;
      return snapshot;
    };
    store.getEntry = async (id) => (await entryGates.get(id)?.opened, getEntry(id));
    const warnings: Array<{ spentCents: number }> = [];
    const l = new Ledger(store, parsePolicy({ budget: { lifetimeCents: 1000 } }), () => clock.t, (w) => warnings.push(w));
    const charge = (cents: number) => l.reserve({ kind: 'charge', amountCents: cents, delegationId: 'd', what: 'a card charge' }, { enforce: false });
    await l.reserve({ id: 'delegation:d', kind: 'delegation', amountCents: 900, delegationId: 'd', what: 'a delegation' });
    for (let i = 0; i < 795; i += 1) await l.commit((await charge(1)).id);
    expect(warnings).toEqual([]);

    const b = await charge(1);
    const c = await charge(10); // this one crosses: 796 + 10 >= 800
    clock.t += 1_001; // the last read is a second old: the next check reads the history again
    readGate = gate();
    const cLookup = gate();
    entryGates.set(c.id, cLookup);
    const started = new Promise<void>((r) => (reading = r));
    const committingB = l.commit(b.id); // reads the history: snapshot without c, answered later
    await started;
    reading = undefined;
    const committingC = l.commit(c.id); // settled now, its amount still being looked up
    await new Promise((r) => setTimeout(r, 5));
    readGate.open(); // b's read lands (796 spent)...
    await committingB;
    readGate = undefined;
    cLookup.open(); // ...then c's amount is counted and c checks
    await committingC;
    expect(warnings).toMatchObject([{ limit: 'budget.lifetime', spentCents: 806, percent: 80 }]);
  });

  it('the same id reserves once (adopting a delegation twice is one reservation)', async () => {
    const { l } = ledger({ budget: { lifetimeCents: 1000 } });
    await l.reserve({ id: 'delegation:x', kind: 'delegation', amountCents: 600, what: 'x' });
    await l.reserve({ id: 'delegation:x', kind: 'delegation', amountCents: 600, what: 'x' });
    expect((await l.budget()).lifetime.reservedCents).toBe(600);
  });
});
