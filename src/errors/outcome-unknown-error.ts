import { PayingFetchError } from './paying-fetch-error.js';

/**
 * Base of "a payment went out and it is not known whether it was taken": the charge counts until
 * `reconcile()` settles it, and a retry never pays again silently.
 */
export class OutcomeUnknownError extends PayingFetchError {}
