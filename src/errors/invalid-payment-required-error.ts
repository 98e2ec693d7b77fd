import { PaymentFailureError } from './payment-failure-error.js';

/** A 402 (or receipt) whose payment data is malformed, oversized or of an unknown shape. Nothing was paid. */
export class InvalidPaymentDataError extends PaymentFailureError {
  readonly source: string;

  constructor({ source, reason }: { source: string; reason: string }) {
    super('INVALID_PAYMENT_DATA', `Invalid payment data in ${source}: ${reason}`);
    this.source = source;
  }
}
