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

// What the `@nevermined-io/payments` SDK (1.7-1.11) throws: a `PaymentsError` whose `code` is the
// backend's `BCK.*` code on delegation calls (else `http_<status>`), but only `internal` on a failed
// mint, whose backend code is lost: there the HTTP status and the backend's message are all we have.
// Those messages are matched, most specific first, to the code the backend sent (wire-facts 5).
const MESSAGE_CODES: ReadonlyArray<[RegExp, string]> = [
  [/invalid (nevermined )?api key/i, 'BCK.APIKEY.0004'],
  [/delegation.*revoked|revoked delegation/i, 'BCK.X402.0020'],
  [/delegation.*not found|no delegation/i, 'BCK.X402.0019'],
  [/not allowed to use (this|the) delegation/i, 'BCK.X402.0029'],
  [/delegation.*expired|expired delegation/i, 'BCK.X402.0021'],
  [/too small|insufficient (delegation )?budget/i, 'BCK.X402.0023'],
  [/exhausted|spending limit (reached|exceeded)|max(imum)? transactions/i, 'BCK.X402.0022'],
  [/card.*declined|declined/i, 'BCK.X402.0049'],
];

/**
 * The typed error for a failure thrown by the Payments SDK, so that the SDK path raises what the
 * REST path raises for the same backend answer. Reads `code`, a numeric `status` when present,
 * and `(HTTP n)` / a `BCK.*` code / known wording in the message. `message` must be scrubbed.
 */
export function backendErrorFromSdk(action: string, thrown: unknown, message: string): NeverminedBackendError {
  const fields = (typeof thrown === 'object' && thrown !== null ? thrown : {}) as { code?: unknown; status?: unknown };
  const status =
    typeof fields.status === 'number' && Number.isInteger(fields.status)
      ? fields.status
      : Number(message.match(/\(HTTP (\d{3})\)/)?.[1] ?? message.match(/HTTP (\d{3})/)?.[1]) || undefined;
  const ownCode = typeof fields.code === 'string' ? findBckCode(fields.code) : undefined;
  const bckCode = ownCode ?? findBckCode(message) ?? codeFromWording(message, status);
  // The SDK wraps fetch failures as "Network error while ...": transient, like the REST client's.
  const network = status === undefined && /^network error/i.test(message);
  return backendError({ action, bckCode, status, message, ...(network ? { retryable: true } : {}) });
}

function codeFromWording(message: string, status: number | undefined): string | undefined {
  if (status === 401) return 'BCK.APIKEY.0004';
  if (status === undefined || status >= 500) return undefined;
  return MESSAGE_CODES.find(([pattern]) => pattern.test(message))?.[1];
}
