import { publicUrl } from '../util/redact.js';
import { OutcomeUnknownError } from './outcome-unknown-error.js';

/**
 * This request was paid before and got no answer (PaymentOutcomeUnknownError): the seller may
 * already have taken that payment. A Nevermined seller charges every request that carries a token,
 * so replaying it, or paying afresh, could charge twice. Nothing was sent. To pay again anyway,
 * call with `{ payAgain: true }` (or set `policy.freshPaymentAfterUnknown`); `reconcile()` tells
 * whether the earlier payment was charged.
 */
export class PaymentMayBeTakenError extends OutcomeUnknownError {
  readonly url: string;
  /** The receipt of the earlier attempt (outcome `unknown`). */
  readonly receiptId: string | undefined;
  readonly tokenHash: string;
  /** When the earlier payment went out (ms since epoch). */
  readonly sentAt: number | undefined;

  constructor(facts: { url: string; receiptId: string | undefined; tokenHash: string; sentAt: number | undefined }) {
    super(
      'PAYMENT_MAY_BE_TAKEN',
      `An earlier attempt of this request to ${publicUrl(facts.url)} paid and got no answer (receipt ${facts.receiptId ?? 'unknown'}); the seller may have charged it. Nothing was sent. Retry with { payAgain: true } to pay again.`,
    );
    this.url = publicUrl(facts.url);
    this.receiptId = facts.receiptId;
    this.tokenHash = facts.tokenHash;
    this.sentAt = facts.sentAt;
  }
}
