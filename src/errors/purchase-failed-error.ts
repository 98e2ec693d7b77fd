import { PaymentFailureError } from './payment-failure-error.js';

/** A key or pack purchase was definitively refused, or answered with something unusable. No charge is assumed. */
export class PurchaseFailedError extends PaymentFailureError {
  readonly provider: string;
  readonly status: number | undefined;

  constructor({ provider, reason, status }: { provider: string; reason: string; status?: number | undefined }) {
    super('PURCHASE_FAILED', `Buying from ${provider} failed${status ? ` (HTTP ${status})` : ''}: ${reason}`);
    this.provider = provider;
    this.status = status;
  }
}
