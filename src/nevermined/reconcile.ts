import type { Ledger } from '../policy/ledger.js';
import type { NeverminedClient } from './client.js';
import type { DelegationTransaction } from './schemas.js';

export interface ReconcileCharge {
  delegationId: string;
  transactionId: string;
  amountCents: number;
}

export interface ReconcileReport {
  at: number;
  delegationsChecked: number;
  /** Charges the backend shows that the ledger did not know (now recorded in the ledger). */
  unknownCharges: ReconcileCharge[];
  /** Charges the ledger recorded that the backend does not show. */
  missingCharges: ReconcileCharge[];
  /** Unknown outcomes settled: by a charge found after them, or as no charge at all. */
  resolvedUnknown: Array<{ receiptId: string; outcome: 'charged' | 'no-charge'; transactionId?: string }>;
  /** Delegations that could not be checked (backend errors), with the reason. */
  failures: Array<{ delegationId: string; error: string }>;
  /** True when nothing is out of line. */
  ok: boolean;
}

/**
 * Compares the ledger with the backend's delegation transactions: finds charges the ledger missed
 * and ledger charges without a backend charge, and settles unknown outcomes.
 */
export async function reconcile(client: NeverminedClient, ledger: Ledger, now: () => number): Promise<ReconcileReport> {
  const store = ledger.store;
  const entries = await store.entries();
  const delegationIds = [...new Set(entries.filter((e) => e.kind === 'delegation' && e.delegationId).map((e) => e.delegationId as string))];
  const report: ReconcileReport = { at: now(), delegationsChecked: 0, unknownCharges: [], missingCharges: [], resolvedUnknown: [], failures: [], ok: true };
  const unknownReceipts = (await store.receipts()).filter((r) => r.outcome === 'unknown');

  for (const delegationId of delegationIds) {
    let transactions: DelegationTransaction[];
    try {
      transactions = await client.listDelegationTransactions(delegationId);
    } catch (error) {
      report.failures.push({ delegationId, error: (error as Error).message });
      continue;
    }
    report.delegationsChecked += 1;
    const known = entries.filter((e) => e.kind === 'charge' && e.delegationId === delegationId && e.state !== 'released');
    const backendIds = new Set(transactions.map((t) => t.providerTransactionId));
    const knownIds = new Set(known.map((e) => e.transactionId));

    for (const entry of known) {
      if (entry.transactionId && !backendIds.has(entry.transactionId)) {
        report.missingCharges.push({ delegationId, transactionId: entry.transactionId, amountCents: entry.amountCents });
      }
    }
    const waiting = unknownReceipts.filter((r) => r.delegationId === delegationId).sort((a, b) => a.at - b.at);
    for (const t of transactions.filter((t) => !knownIds.has(t.providerTransactionId))) {
      report.unknownCharges.push({ delegationId, transactionId: t.providerTransactionId, amountCents: t.amountCents });
      const entry = await ledger.reserve(
        { id: `charge:${t.providerTransactionId}`, kind: 'charge', amountCents: t.amountCents, delegationId, transactionId: t.providerTransactionId, note: 'found by reconcile', what: 'a charge found by reconcile' },
        { enforce: false },
      );
      await ledger.commit(entry.id);
      // A charge after an unknown outcome on this delegation explains it.
      const at = t.createdAt ? Date.parse(t.createdAt) : Number.NaN;
      const index = waiting.findIndex((r) => !Number.isFinite(at) || r.at <= at);
      if (index >= 0) {
        const [receipt] = waiting.splice(index, 1);
        await store.updateReceipt(receipt!.id, { outcome: 'paid', orderTx: t.providerTransactionId, amountCents: t.amountCents });
        report.resolvedUnknown.push({ receiptId: receipt!.id, outcome: 'charged', transactionId: t.providerTransactionId });
      }
    }
    // Unknown outcomes no charge explains: the card was not charged for them.
    for (const receipt of waiting) {
      await store.updateReceipt(receipt.id, { outcome: 'no-charge', amountCents: 0 });
      report.resolvedUnknown.push({ receiptId: receipt.id, outcome: 'no-charge' });
    }
  }
  report.ok = report.unknownCharges.length === 0 && report.missingCharges.length === 0 && report.failures.length === 0;
  return report;
}
