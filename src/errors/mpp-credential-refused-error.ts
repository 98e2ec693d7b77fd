import { publicUrl } from '../util/redact.js';
import { PaymentFailureError } from './payment-failure-error.js';

/**
 * A seller refused an MPP credential for good (Nevermined's `BCK.MPP.0003`: malformed, not valid
 * for the plan, already used): no fresh payment follows. The credential presented stays counted
 * (`unknown`) until reconcile() says otherwise.
 */
export class MppCredentialRefusedError extends PaymentFailureError {
  readonly url: string;
  readonly status: number;
  /** The seller's code for the refusal (e.g. `BCK.MPP.0003`). */
  readonly sellerCode: string;
  readonly sellerMessage: string | undefined;

  constructor(facts: { url: string; status: number; sellerCode: string; sellerMessage?: string | undefined }) {
    super('MPP_CREDENTIAL_REFUSED', `The seller refused the MPP credential for ${publicUrl(facts.url)} (${facts.sellerCode})` + (facts.sellerMessage ? `: ${facts.sellerMessage}` : ''));
    this.url = publicUrl(facts.url);
    this.status = facts.status;
    this.sellerCode = facts.sellerCode;
    this.sellerMessage = facts.sellerMessage;
  }
}
