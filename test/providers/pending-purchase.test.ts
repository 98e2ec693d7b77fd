import { describe, expect, it } from 'vitest';
import { MemoryStore, PaymentOutcomeUnknownError } from '../../src/index.js';
import { EXA_PLAN_ID } from '../../src/sandbox/index.js';
import { exaPayingFetch, sandbox } from '../helpers.js';

describe('a purchase left pending', () => {
  it('whose token the vendor now refuses stays unknown until reconcile finds no charge; a fresh purchase follows: one charge', async () => {
    const sb = await sandbox();
    const store = new MemoryStore();
    sb.faults.inject('purchase', { kind: 'reset' }, 10); // dropped before the vendor did anything
    const first = exaPayingFetch(sb, { store });
    const error = (await first.search().catch((e: unknown) => e)) as PaymentOutcomeUnknownError;
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    sb.faults.clear();
    sb.world.forgetTokens(); // the pending token expired meanwhile

    const second = exaPayingFetch(sb, { store }); // "restarted" on the same state
    expect((await second.search()).status).toBe(200);
    expect(sb.world.charges.filter((c) => c.planId === EXA_PLAN_ID)).toHaveLength(1);
    const receipts = async () => (await second.pay.receipts()).filter((r) => r.provider === 'exa');
    // The vendor's refusal is a claim: the refused token's pack stays counted until the backend says.
    expect(await receipts()).toMatchObject([{ id: error.receiptId, outcome: 'unknown' }, { outcome: 'paid', amountCents: 700 }]);
    expect((await store.entries({ kinds: ['pack'] })).map((e) => e.state).sort()).toEqual(['committed', 'unknown']);
    await second.pay.reconcile(); // the backend shows one charge: the paid pack's
    expect(await receipts()).toMatchObject([{ id: error.receiptId, outcome: 'no-charge', amountCents: 0 }, { outcome: 'paid', amountCents: 700 }]);
    expect((await store.entries({ kinds: ['pack'] })).map((e) => e.state).sort()).toEqual(['committed', 'released']);
    expect(await store.getPending(`purchase:exa:${EXA_PLAN_ID}:${sb.principal}`)).toBeUndefined();
  });
});
