import { publicUrl } from '../util/redact.js';
import { OutcomeUnknownError } from './outcome-unknown-error.js';

/**
 * A payment was sent but no answer came (timeout, dropped connection, 5xx): the charge may or may
 * not have happened. Its reservation stays; `reconcile()` settles it. Retrying the same call with
 * `resumeToken` replays the same payment instead of paying again.
 */
export class PaymentOutcomeUnknownError extends OutcomeUnknownError {
  readonly url: string;
  readonly receiptId: string;
  readonly tokenHash: string;
  readonly delegationId: string | undefined;
  readonly planId: string | undefined;

  constructor(facts: { url: string; receiptId: string; tokenHash: string; delegationId?: string | undefined; planId?: string | undefined }, cause: unknown) {
    super('PAYMENT_OUTCOME_UNKNOWN', `The paid request to ${publicUrl(facts.url)} got no answer; the charge may have happened (receipt ${facts.receiptId})`, { cause: scrubCause(cause) });
    this.url = publicUrl(facts.url);
    this.receiptId = facts.receiptId;
    this.tokenHash = facts.tokenHash;
    this.delegationId = facts.delegationId;
    this.planId = facts.planId;
  }
}

/** Keeps a cause's name and message only: transport errors can hold request objects. */
function scrubCause(cause: unknown): unknown {
  if (!(cause instanceof Error)) return undefined;
  const copy = new Error(cause.message);
  copy.name = cause.name;
  return copy;
}
