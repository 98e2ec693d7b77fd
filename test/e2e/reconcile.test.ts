import { describe, expect, it } from 'vitest';
import { MemoryStore, PaymentOutcomeUnknownError } from '../../src/index.js';
import { EXA_PLAN_ID } from '../../src/sandbox/index.js';
import { cardPayingFetch, exaPayingFetch, expectNoSecrets, sandbox, tokensSeen } from '../helpers.js';

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

describe('reconcile and credit packs', () => {
  const packCharge = (sb: Awaited<ReturnType<typeof sandbox>>) => sb.world.charges.find((c) => c.planId === EXA_PLAN_ID)!;

  it('a pack purchase is not a gap: its card charge is matched to the pack, once', async () => {
    const sb = await sandbox();
    const { search, pay } = exaPayingFetch(sb);
    expect((await search()).status).toBe(200);
    const report = await pay.reconcile();
    expect(report).toMatchObject({ ok: true, unknownCharges: [], missingCharges: [] });
    expect(report.packCharges).toEqual([{ delegationId: sb.delegationId, transactionId: packCharge(sb).providerTransactionId, amountCents: 700, entryId: expect.any(String) }]);
    expect(await pay.reconcile()).toMatchObject({ ok: true, packCharges: [], unknownCharges: [] });
    // A charge nobody made through paying-fetch is still a gap.
    const injected = sb.world.injectCharge(sb.delegationId, 700);
    expect(await pay.reconcile()).toMatchObject({ ok: false, unknownCharges: [{ transactionId: injected.providerTransactionId }] });
  });

  it('a resumed pack purchase leaves one receipt, paid, with its delegation', async () => {
    const sb = await sandbox();
    const store = new MemoryStore();
    sb.faults.inject('purchase', { kind: 'reset', after: 'work' });
    sb.faults.inject('purchase', { kind: 'reset' }, 10);
    const first = exaPayingFetch(sb, { store });
    const error = (await first.search().catch((e: unknown) => e)) as PaymentOutcomeUnknownError;
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(error.delegationId).toBe(sb.delegationId);
    expect(await first.pay.receipts()).toMatchObject([{ id: error.receiptId, outcome: 'unknown', delegationId: sb.delegationId }]);
    sb.faults.clear();
    const second = exaPayingFetch(sb, { store });
    expect((await second.search()).status).toBe(200);
    const receipts = (await second.pay.receipts()).filter((r) => r.provider === 'exa');
    expect(receipts).toEqual([expect.objectContaining({ id: error.receiptId, outcome: 'paid', amountCents: 700, delegationId: sb.delegationId, tokenHash: error.tokenHash })]);
    const report = await second.pay.reconcile();
    expect(report).toMatchObject({ ok: true, unknownCharges: [], resolvedUnknown: [] });
    expect(report.packCharges).toHaveLength(1);
  });

  it('reconcile settles a pack purchase of unknown outcome by its charge', async () => {
    const sb = await sandbox();
    sb.faults.inject('purchase', { kind: 'reset', after: 'work' });
    sb.faults.inject('purchase', { kind: 'reset' }, 10);
    const { search, pay } = exaPayingFetch(sb);
    const error = (await search().catch((e: unknown) => e)) as PaymentOutcomeUnknownError;
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    const report = await pay.reconcile();
    expect(report).toMatchObject({ ok: true, unknownCharges: [] });
    expect(report.resolvedUnknown).toEqual([{ receiptId: error.receiptId, outcome: 'charged', transactionId: packCharge(sb).providerTransactionId }]);
    expect((await pay.receipts()).find((r) => r.id === error.receiptId)).toMatchObject({ outcome: 'paid', amountCents: 700 });
  });
});
