import { NeverminedBackendError, type BackendErrorFacts } from '../errors/backend-error.js';
import {
  CardDeclinedError,
  DelegationBudgetTooSmallError,
  DelegationExhaustedError,
  DelegationExpiredError,
  DelegationUnusableError,
  InvalidApiKeyError,
} from '../errors/delegation-errors.js';

const BY_CODE: Record<string, new (facts: BackendErrorFacts) => NeverminedBackendError> = {
  'BCK.APIKEY.0004': InvalidApiKeyError,
  'BCK.X402.0019': DelegationUnusableError,
  'BCK.X402.0020': DelegationUnusableError,
  'BCK.X402.0021': DelegationExpiredError,
  'BCK.X402.0022': DelegationExhaustedError,
  'BCK.X402.0023': DelegationBudgetTooSmallError,
  'BCK.X402.0029': DelegationUnusableError,
  'BCK.X402.0049': CardDeclinedError,
};

const RETRYABLE_CODES = new Set(['BCK.X402.0051']);

/** Builds the typed error for a backend failure; transient ones (5xx, 0051) are marked retryable. */
export function backendError(facts: BackendErrorFacts): NeverminedBackendError {
  const retryable =
    facts.retryable === true ||
    (facts.bckCode !== undefined && RETRYABLE_CODES.has(facts.bckCode)) ||
    (facts.status !== undefined && facts.status >= 500);
  const Kind = facts.bckCode ? BY_CODE[facts.bckCode] : undefined;
  return Kind ? new Kind({ ...facts, retryable }) : new NeverminedBackendError({ ...facts, retryable });
}

/** Finds a `BCK.*` code inside free text (a seller's 402 message, an SDK error message). */
export function findBckCode(text: string | undefined): string | undefined {
  return text?.match(/BCK\.[A-Z0-9_]{2,16}\.[0-9]{4}/)?.[0];
}
