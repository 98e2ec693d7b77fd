import { PaymentFailureError } from './payment-failure-error.js';

/**
 * The seller answered 412 `permit2_allowance_required`: the wallet must approve Permit2 for this
 * asset (an on-chain transaction) before it can pay. paying-fetch does not send transactions; pass
 * `onPermit2AllowanceRequired` to do it, or approve once by hand.
 */
export class Permit2AllowanceRequiredError extends PaymentFailureError {
  readonly url: string;
  readonly network: string;
  readonly asset: string | undefined;

  constructor(facts: { url: string; network: string; asset: string | undefined }) {
    super('PERMIT2_ALLOWANCE_REQUIRED', `Paying ${facts.url} needs a Permit2 allowance for ${facts.asset ?? 'the asset'} on ${facts.network}; approve it, or handle onPermit2AllowanceRequired`);
    this.url = facts.url;
    this.network = facts.network;
    this.asset = facts.asset;
  }
}
