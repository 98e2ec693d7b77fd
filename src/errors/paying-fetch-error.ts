/** Every code paying-fetch's errors carry: stable, to branch on (never on messages). */
export type ErrorCode =
  // configuration
  | 'CONFIGURATION' | 'BODY_NOT_REPLAYABLE'
  // policy refusals
  | 'BUDGET_EXCEEDED' | 'VELOCITY_EXCEEDED' | 'POLICY_DENIED' | 'CONSENT_REQUIRED' | 'PROVIDER_CAPPED'
  // payment failures
  | 'PAYMENT_REJECTED' | 'PAYMENT_SIGNING_FAILED' | 'PURCHASE_FAILED' | 'PERMIT2_ALLOWANCE_REQUIRED' | 'INVALID_PAYMENT_DATA'
  | 'PROVIDER_KEY_UNUSABLE' | 'CALLER_KEY_REFUSED' | 'MPP_CREDENTIAL_REFUSED' | 'A2A_PAYMENT_FAILED'
  | 'NVM_BACKEND' | 'DELEGATION_EXPIRED' | 'DELEGATION_EXHAUSTED' | 'DELEGATION_BUDGET_TOO_SMALL' | 'DELEGATION_UNUSABLE'
  | 'CARD_DECLINED' | 'INVALID_API_KEY'
  // outcome unknown
  | 'PAYMENT_OUTCOME_UNKNOWN' | 'PAYMENT_MAY_BE_TAKEN'
  // the store
  | 'STORE_FAILED' | 'LOCK_TIMEOUT';

/** Base of every error paying-fetch throws. `code` is stable: branch on it, not on messages. */
export class PayingFetchError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export function isPayingFetchError(error: unknown): error is PayingFetchError {
  return error instanceof PayingFetchError;
}
