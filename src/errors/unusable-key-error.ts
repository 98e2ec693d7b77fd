import { PaymentFailureError } from './payment-failure-error.js';

/**
 * A vendor sold a key that cannot ride on a request (control characters, not header-safe, too
 * long). The purchase is recorded as paid; the key itself is never stored, logged or carried here.
 */
export class UnusableKeyError extends PaymentFailureError {
  readonly provider: string;

  constructor({ provider, detail = 'the key it sold cannot be sent in a header' }: { provider: string; detail?: string | undefined }) {
    super('PROVIDER_KEY_UNUSABLE', `The ${provider} key is unusable: ${detail}`);
    this.provider = provider;
  }
}
