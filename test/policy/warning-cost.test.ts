import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/policy/ledger.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { MemoryStore } from '../../src/store/memory-store.js';

// Found by review: budget warnings read the whole ledger on every reservation, and a store that
// failed while warning undid nothing but still threw after the money was reserved.
describe('budget warnings', () => {
  it('read no ledger history while the budget is far from the threshold', async () => {
    const store = new MemoryStore();
    let read = 0;
    const entries = store.entries.bind(store);
    store.entries = async (filter) => {
      const all = await entries(filter);
      read += all.length;
      return all;
    };
    const ledger = new Ledger(store, parsePolicy({ budget: { lifetimeCents: 1_000_000 } }), () => 1_000);
    for (let i = 0; i < 200; i += 1) await ledger.commit((await ledger.reserve({ kind: 'purchase', amountCents: 1, what: 'x' })).id);
    expect(read).toBe(0);
  });

  it('a store that fails while warning does not fail the reservation that landed', async () => {
    const store = new MemoryStore();
    store.entries = async () => {
      throw new Error('redis blip');
    };
    const ledger = new Ledger(store, parsePolicy({ budget: { lifetimeCents: 1000 } }), () => 1_000);
    const entry = await ledger.reserve({ kind: 'purchase', amountCents: 900, what: 'x' });
    expect((await store.getEntry(entry.id))?.state).toBe('reserved');
  });
});
