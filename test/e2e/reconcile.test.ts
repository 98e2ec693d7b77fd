import { describe, expect, it } from 'vitest';
import { PaymentOutcomeUnknownError } from '../../src/index.js';
import { cardPayingFetch, expectNoSecrets, sandbox, tokensSeen } from '../helpers.js';

describe('reconcile', () => {
  it('finds a charge the ledger missed, then records it', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    await pay(`${sb.sellerUrl}/metered`);
    expect((await pay.reconcile()).ok).toBe(true);

    const injected = sb.world.injectCharge(sb.delegationId, 250);
    const report = await pay.reconcile();
    expect(report.ok).toBe(false);
    expect(report.unknownCharges).toEqual([{ delegationId: sb.delegationId, transactionId: injected.providerTransactionId, amountCents: 250 }]);
    expect(report.missingCharges).toEqual([]);
    expect((await pay.reconcile()).ok).toBe(true);
  });

  it('finds a ledger charge the backend does not show', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    await pay(`${sb.sellerUrl}/metered`);
    const [charge] = sb.world.charges.splice(0, 1); // the backend lost it (a refund, a failed capture)
    const report = await pay.reconcile();
    expect(report.missingCharges).toEqual([{ delegationId: sb.delegationId, transactionId: charge!.providerTransactionId, amountCents: 100 }]);
    expect(report.ok).toBe(false);
  });

  it('settles an unknown outcome: the line dropped after the seller charged', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    await pay(`${sb.sellerUrl}/weather`); // warm: a token is now sent up front
    sb.faults.inject('seller', { kind: 'reset', after: 'work' });
    const error = await pay(`${sb.sellerUrl}/metered`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    const unknown = error as PaymentOutcomeUnknownError;
    expect(unknown).toMatchObject({ code: 'PAYMENT_OUTCOME_UNKNOWN', delegationId: sb.delegationId, tokenHash: expect.stringMatching(/^sha256:/) });
    expectNoSecrets([error], [sb.apiKey, ...tokensSeen(sb)]);
    expect((await pay.receipts()).find((r) => r.id === unknown.receiptId)?.outcome).toBe('unknown');

    const report = await pay.reconcile();
    expect(report.resolvedUnknown).toEqual([{ receiptId: unknown.receiptId, outcome: 'charged', transactionId: sb.world.charges.at(-1)!.providerTransactionId }]);
    expect((await pay.receipts()).find((r) => r.id === unknown.receiptId)).toMatchObject({ outcome: 'paid', amountCents: 100 });
  });

  it('settles an unknown outcome that charged nothing', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    await pay(`${sb.sellerUrl}/weather`);
    sb.faults.inject('seller', { kind: 'reset' }); // dropped before the seller did anything
    const error = (await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e)) as PaymentOutcomeUnknownError;
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    const report = await pay.reconcile();
    expect(report.resolvedUnknown).toEqual([{ receiptId: error.receiptId, outcome: 'no-charge' }]);
  });
});
