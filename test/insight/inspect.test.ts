import { describe, expect, it } from 'vitest';
import { inspect, leftToSpend, withCallCeiling } from '../../src/insight/inspect.js';
import { Ledger, type BudgetReservedWarning, type BudgetWarning } from '../../src/policy/ledger.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { MemoryStore } from '../../src/store/memory-store.js';

function setup(policy: unknown) {
  const store = new MemoryStore();
  const clock = { t: 1_700_000_000_000 };
  const spent: BudgetWarning[] = [];
  const reserved: BudgetReservedWarning[] = [];
  const ledger = new Ledger(store, parsePolicy(policy), () => clock.t, (w) => spent.push(w), (w) => reserved.push(w));
  const view = inspect({ store, policy, now: () => clock.t });
  return { store, clock, ledger, view, spent, reserved };
}

/** A delegation adopted for `cents`, and card charges observed under it (as the recorder writes them). */
async function delegationWithCharges(ledger: Ledger, cents: number, charges: number[]) {
  const d = await ledger.reserve({ id: 'delegation:d1', kind: 'delegation', amountCents: cents, endAt: Date.now() + 30 * 86_400_000, delegationId: 'd1', what: 'a delegation' });
  for (const [i, amount] of charges.entries()) {
    await ledger.reserve({ id: `charge:pi_${i}`, kind: 'charge', amountCents: amount, delegationId: 'd1', transactionId: `pi_${i}`, what: 'a card charge' }, { enforce: false });
    await ledger.commit(`charge:pi_${i}`);
  }
  return d;
}

describe('inspect(): spent, reserved and left (issue 18, 6)', () => {
  it('after $2 charged under a $20 delegation: spent $2, $18 reserved and not spent, $5 left to reserve of $25', async () => {
    const { ledger, view } = setup({ budget: { perDayCents: 2500 } });
    await delegationWithCharges(ledger, 2000, [100, 100]);
    expect((await view.budget()).perDay).toEqual({
      limitCents: 2500, spentCents: 200, unspentReservedCents: 1800, remainingCents: 500, reservedCents: 2000, committedCents: 0,
    });
    expect(leftToSpend(await view.budget())).toEqual({ window: 'perDay', limitCents: 2500, spentCents: 200, leftCents: 2300 });
  });

  it('a closed delegation counts what it spent once, not again with its charges', async () => {
    const { ledger, view } = setup({});
    const d = await delegationWithCharges(ledger, 2000, [100, 100]);
    await ledger.close(d.id, 200);
    expect((await view.budget()).lifetime).toMatchObject({ spentCents: 200, unspentReservedCents: 0, limitCents: undefined, remainingCents: undefined });
  });

  it('a pack bought under an open delegation is spent, and no longer reserved', async () => {
    const { ledger, view } = setup({});
    await delegationWithCharges(ledger, 2000, []);
    await ledger.commit((await ledger.reserve({ kind: 'pack', amountCents: 700, what: 'a pack' })).id);
    expect((await view.budget()).lifetime).toMatchObject({ spentCents: 700, unspentReservedCents: 1300 });
  });

  it('keys are listed redacted', async () => {
    const { store, view } = setup({});
    await store.putKey({ id: 'exa:p', provider: 'exa', principal: 'p', apiKey: 'exa_0123456789abcdef', createdAt: 1, purchases: 1 } as never);
    const keys = await view.keys();
    expect(keys[0]).toMatchObject({ provider: 'exa', key: 'exa_…cdef' });
    expect(JSON.stringify(keys)).not.toContain('0123456789');
  });
});

describe('budget warnings (issue 18, 4)', () => {
  it('a delegation reserved is not spent: budget-reserved-warning, no budget-warning', async () => {
    const { ledger, spent, reserved } = setup({ budget: { perDayCents: 2500 } });
    await delegationWithCharges(ledger, 2000, [100]);
    expect(spent).toEqual([]);
    expect(reserved).toEqual([{ limit: 'budget.perDay', limitCents: 2500, spentCents: 0, unspentReservedCents: 2000, percent: 80 }]);
  });

  it('budget-warning once spending crosses the threshold, with the reserved rest beside it', async () => {
    const { ledger, spent } = setup({ budget: { perDayCents: 2500 } });
    await delegationWithCharges(ledger, 2000, [1000, 900, 50]);
    expect(spent).toEqual([]); // $19.50 of $25 spent: 78%
    await ledger.reserve({ id: 'charge:pi_x', kind: 'charge', amountCents: 50, delegationId: 'd1', what: 'a card charge' }, { enforce: false });
    await ledger.commit('charge:pi_x');
    expect(spent).toEqual([{ limit: 'budget.perDay', limitCents: 2500, spentCents: 2000, unspentReservedCents: 0, usedCents: 2000, percent: 80 }]);
  });
});

describe('withCallCeiling (--budget-cents)', () => {
  it('allows N more cents than already reserved or committed, never above the policy', async () => {
    const { ledger, view } = setup({});
    await delegationWithCharges(ledger, 2000, [100]);
    const budget = await view.budget();
    expect(withCallCeiling(parsePolicy({}), budget, 500)).toMatchObject({ ceilingCents: 2500, binding: true, policy: { budget: { lifetimeCents: 2500 } } });
    expect(withCallCeiling(parsePolicy({ budget: { lifetimeCents: 2100 } }), budget, 500)).toMatchObject({ ceilingCents: 2100, binding: false });
  });
});
