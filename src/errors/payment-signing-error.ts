import { PaymentFailureError } from './payment-failure-error.js';

/** A scheme plugin failed to create (sign) a payment, or returned something unusable. Nothing was sent. */
export class PaymentSigningError extends PaymentFailureError {
  readonly scheme: string;
  readonly network: string;

  constructor({ scheme, network, reason }: { scheme: string; network: string; reason: string }) {
    super('PAYMENT_SIGNING_FAILED', `The ${scheme} client for ${network} could not create a payment: ${reason}`);
    this.scheme = scheme;
    this.network = network;
  }
}
