import { PayingFetchError } from './paying-fetch-error.js';

/**
 * Base of the refusals of the spending policy (budget, velocity, allow/deny lists, consent, a
 * vendor's cap): nothing was paid, and paying again will not help until the policy or the window
 * changes. Branch on `instanceof PolicyRefusalError` to stop an agent from retrying.
 */
export class PolicyRefusalError extends PayingFetchError {}
