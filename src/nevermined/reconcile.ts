import { NeverminedBackendError } from '../errors/backend-error.js';
import type { Ledger } from '../policy/ledger.js';
import type { LedgerEntry, ReceiptRecord } from '../store/types.js';
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
  /** Card charges of credit-pack purchases the ledger holds, matched now (not a gap). */
  packCharges: Array<ReconcileCharge & { entryId: string }>;
  /** Unknown outcomes settled: by a charge found after them, or as no charge at all. */
  resolvedUnknown: Array<{ receiptId: string; outcome: 'charged' | 'no-charge'; transactionId?: string }>;
  /** Delegations that could not be checked (backend errors), with the reason. */
  failures: Array<{ delegationId: string; error: string }>;
  /** True when nothing is out of line. */
  ok: boolean;
}

/**
 * Pack purchases paid with this delegation whose card charge is not matched yet. A matched one
 * has a charge entry whose note is the pack entry's id.
 */
function unmatchedPacks(entries: LedgerEntry[], delegationId: string): LedgerEntry[] {
  const matched = new Set(entries.filter((e) => e.kind === 'charge' && e.note?.startsWith('pack:')).map((e) => e.note));
  return entries
    .filter((e) => e.kind === 'pack' && e.delegationId === delegationId && (e.state === 'committed' || e.state === 'unknown') && !matched.has(e.id))
    // A charge explains a pack known paid before one whose outcome is unknown.
    .sort((a, b) => Number(a.state === 'unknown') - Number(b.state === 'unknown') || a.startAt - b.startAt);
}

/** Records a charge the backend shows in the ledger (inside its delegation: no budget is spent again). */
async function recordCharge(ledger: Ledger, t: DelegationTransaction, delegationId: string, note: string): Promise<void> {
  const entry = await ledger.reserve(
    { id: `charge:${t.providerTransactionId}`, kind: 'charge', amountCents: t.amountCents, delegationId, transactionId: t.providerTransactionId, note, what: 'a charge found by reconcile' },
    { enforce: false },
  );
  await ledger.commit(entry.id);
}

/** Marks the earliest waiting unknown receipt this charge can explain (`fits`) as paid. */
async function explain(ledger: Ledger, report: ReconcileReport, waiting: ReceiptRecord[], t: DelegationTransaction, fits: (r: ReceiptRecord) => boolean): Promise<void> {
  const index = waiting.findIndex(fits);
  if (index < 0) return;
  const [receipt] = waiting.splice(index, 1);
  await ledger.store.updateReceipt(receipt!.id, { outcome: 'paid', orderTx: t.providerTransactionId, amountCents: t.amountCents });
  report.resolvedUnknown.push({ receiptId: receipt!.id, outcome: 'charged', transactionId: t.providerTransactionId });
}

/** A paid call's unknown outcome is explained only by a charge made after it was sent. */
function chargedAfter(t: DelegationTransaction): (r: ReceiptRecord) => boolean {
  const at = t.createdAt ? Date.parse(t.createdAt) : Number.NaN;
  return (r) => !Number.isFinite(at) || r.at <= at;
}

/** One delegation: its backend transactions against the ledger's charges, packs and unknown outcomes. */
async function checkDelegation(ledger: Ledger, report: ReconcileReport, entries: LedgerEntry[], unknownReceipts: ReceiptRecord[], delegationId: string, transactions: DelegationTransaction[]): Promise<void> {
  const known = entries.filter((e) => e.kind === 'charge' && e.delegationId === delegationId && e.state !== 'released');
  const backendIds = new Set(transactions.map((t) => t.providerTransactionId));
  const knownIds = new Set(known.map((e) => e.transactionId));
  for (const entry of known) {
    if (entry.transactionId && !backendIds.has(entry.transactionId)) report.missingCharges.push({ delegationId, transactionId: entry.transactionId, amountCents: entry.amountCents });
  }
  const packs = unmatchedPacks(entries, delegationId);
  const waiting = unknownReceipts.filter((r) => r.delegationId === delegationId).sort((a, b) => a.at - b.at);
  for (const t of transactions.filter((t) => !knownIds.has(t.providerTransactionId))) {
    const charge = { delegationId, transactionId: t.providerTransactionId, amountCents: t.amountCents };
    // A pack bought with this delegation at this price (or at a price nobody knew) explains the charge.
    const packIndex = packs.findIndex((p) => p.amountCents === t.amountCents || p.amountCents === 0);
    if (packIndex >= 0) {
      const [pack] = packs.splice(packIndex, 1);
      await recordCharge(ledger, t, delegationId, pack!.id);
      report.packCharges.push({ ...charge, entryId: pack!.id });
      // Its receipt is written once the POST gave up, after the charge: matched by being a purchase's.
      if (pack!.state === 'unknown') await explain(ledger, report, waiting, t, (r) => r.provider !== undefined);
      continue;
    }
    report.unknownCharges.push(charge);
    await recordCharge(ledger, t, delegationId, 'found by reconcile');
    // A charge after an unknown outcome on this delegation explains it.
    await explain(ledger, report, waiting, t, chargedAfter(t));
  }
  // Packs of unknown outcome that no charge explains: the backend shows none, so they cost nothing.
  for (const pack of packs.filter((p) => p.state === 'unknown')) await ledger.release(pack.id);
  // Unknown outcomes no charge explains: the card was not charged for them.
  for (const receipt of waiting) {
    await ledger.store.updateReceipt(receipt.id, { outcome: 'no-charge', amountCents: 0 });
    report.resolvedUnknown.push({ receiptId: receipt.id, outcome: 'no-charge' });
  }
}

/**
 * Compares the ledger with the backend's delegation transactions: finds charges the ledger missed
 * and ledger charges without a backend charge, matches the charges of pack purchases, and settles
 * unknown outcomes.
 */
export async function reconcile(client: NeverminedClient, ledger: Ledger, now: () => number): Promise<ReconcileReport> {
  const store = ledger.store;
  const entries = await store.entries();
  const report: ReconcileReport = { at: now(), delegationsChecked: 0, unknownCharges: [], missingCharges: [], packCharges: [], resolvedUnknown: [], failures: [], ok: true };
  const delegationIds = [...new Set(entries.filter((e) => e.kind === 'delegation' && e.delegationId).map((e) => e.delegationId as string))];
  const unknownReceipts = (await store.receipts()).filter((r) => r.outcome === 'unknown');
  for (const delegationId of delegationIds) {
    let transactions: DelegationTransaction[];
    try {
      transactions = await client.listDelegationTransactions(delegationId);
    } catch (error) {
      // Not found, or not this key's: another principal's delegation in a shared store.
      if (error instanceof NeverminedBackendError && error.code === 'DELEGATION_UNUSABLE') continue;
      report.failures.push({ delegationId, error: (error as Error).message });
      continue;
    }
    report.delegationsChecked += 1;
    await checkDelegation(ledger, report, entries, unknownReceipts, delegationId, transactions);
  }
  report.ok = report.unknownCharges.length === 0 && report.missingCharges.length === 0 && report.failures.length === 0;
  return report;
}
