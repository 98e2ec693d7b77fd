import { publicUrl } from '../util/redact.js';
import { PaymentFailureError } from './payment-failure-error.js';

/** The seller answered 402 to a payment twice (a cached and a fresh token, or two fresh ones). */
export class PaymentRejectedError extends PaymentFailureError {
  readonly url: string;
  readonly status: number;
  readonly sellerMessage: string | undefined;

  constructor(facts: { url: string; status: number; sellerMessage?: string }) {
    super(
      'PAYMENT_REJECTED',
      `The seller refused payment twice for ${publicUrl(facts.url)}` +
        (facts.sellerMessage ? `: ${facts.sellerMessage}` : ''),
    );
    this.url = publicUrl(facts.url);
    this.status = facts.status;
    this.sellerMessage = facts.sellerMessage;
  }
}
