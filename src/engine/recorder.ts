import type { NeverminedClient } from '../nevermined/client.js';
import type { Ledger } from '../policy/ledger.js';
import type { ReceiptRecord } from '../store/types.js';
import type { SettlementReceipt } from '../x402/schemas.js';
import type { HeldNvmToken, HeldToken } from './held.js';
import { urlParts } from '../util/url-parts.js';

/** Who spent: an agent's name and free-form tags, carried by every receipt. */
export interface Labels {
  agent?: string | undefined;
  tags?: Record<string, string> | undefined;
}

/** Writes a receipt for every paid call; learns what a card charge cost when a settlement made one. */
export class Recorder {
  constructor(
    private readonly client: NeverminedClient,
    private readonly ledger: Ledger,
    private readonly now: () => number,
  ) {}

  async paid(url: string, method: string, status: number, held: HeldToken, receipt: SettlementReceipt | undefined, labels: Labels = {}): Promise<ReceiptRecord> {
    const record = this.#base(url, method, status, held, labels);
    record.outcome = receipt ? 'paid' : 'no-receipt';
    if (receipt) {
      Object.assign(record, {
        transaction: receipt.transaction,
        creditsRedeemed: receipt.creditsRedeemed,
        remainingBalance: receipt.remainingBalance,
        orderTx: receipt.orderTx,
        amountCents: receipt.orderTx ? undefined : 0,
      });
      if (receipt.orderTx && held.kind === 'nvm') record.amountCents = await this.#learnCharge(receipt.orderTx, held, held.delegationId, record.origin);
    }
    // A priced payment (x402 amount) cost exactly its price.
    if (held.kind === 'scheme') record.amountCents = held.priceCents;
    await this.ledger.store.appendReceipt(record);
    return record;
  }

  /**
   * The paid request got no answer, or a signed payload was handed over and not accepted: the
   * receipt says `unknown` (reconcile() settles it). Built here, written by the caller.
   */
  unknownRecord(url: string, method: string, held: HeldToken, sentAt: number, status = 0, labels: Labels = {}): ReceiptRecord {
    // Dated when the payment went out: a charge it caused can only come after that.
    return { ...this.#base(url, method, status, held, labels), at: sentAt, outcome: 'unknown' as const };
  }

  write(record: ReceiptRecord): Promise<void> {
    return this.ledger.store.appendReceipt(record);
  }

  #base(url: string, method: string, status: number, held: HeldToken, labels: Labels): ReceiptRecord {
    const { origin, pathname } = urlParts(url);
    const record: ReceiptRecord = {
      id: crypto.randomUUID(),
      at: this.now(),
      method,
      origin,
      path: pathname,
      status,
      scheme: held.entry.scheme,
      network: held.entry.network,
      planId: held.entry.planId,
      agentId: held.entry.extra?.agentId,
      delegationId: held.kind === 'nvm' ? held.delegationId : undefined,
      tokenHash: held.tokenHash,
      outcome: 'paid',
    };
    if (held.kind === 'scheme') record.reservedCents = held.priceCents;
    if (labels.agent) record.agent = labels.agent;
    if (labels.tags) record.tags = { ...labels.tags };
    return record;
  }

  /** One backend call per card charge: the delegation's transactions tell its amount. */
  async #learnCharge(orderTx: string, held: HeldNvmToken, delegationId: string, origin: string): Promise<number | undefined> {
    const id = `charge:${orderTx}`;
    const known = await this.ledger.store.getEntry(id);
    if (known) return known.amountCents;
    let amount: number | undefined;
    try {
      amount = (await this.client.listDelegationTransactions(delegationId)).find((t) => t.providerTransactionId === orderTx)?.amountCents;
    } catch {
      amount = undefined; // reconcile() will find it
    }
    if (amount === undefined) return undefined;
    await this.ledger.reserve(
      { id, kind: 'charge', amountCents: amount, origin, planId: held.entry.planId, delegationId, transactionId: orderTx, what: 'a card charge' },
      { enforce: false },
    );
    await this.ledger.commit(id);
    return amount;
  }
}
