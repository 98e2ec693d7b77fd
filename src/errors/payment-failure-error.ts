import { PayingFetchError } from './paying-fetch-error.js';

/**
 * Base of the failures to pay: the seller refused, a signer failed, a purchase or a backend call
 * failed. What was spent, if anything, is recorded; the call may succeed later or elsewhere.
 */
export class PaymentFailureError extends PayingFetchError {}
