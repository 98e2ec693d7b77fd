import { NeverminedBackendError, type BackendErrorFacts } from './backend-error.js';

// One class per delegation failure an agent can act on; all keep the backend facts.

/** BCK.X402.0021: the delegation's time ran out. Renew it (policy `autoRenew`) or create another. */
export class DelegationExpiredError extends NeverminedBackendError {
  constructor(facts: BackendErrorFacts) {
    super(facts, 'DELEGATION_EXPIRED');
  }
}

/** BCK.X402.0022: the delegation's spending limit or transaction count is used up. */
export class DelegationExhaustedError extends NeverminedBackendError {
  constructor(facts: BackendErrorFacts) {
    super(facts, 'DELEGATION_EXHAUSTED');
  }
}

/** BCK.X402.0023: the delegation's remaining budget is smaller than this order. */
export class DelegationBudgetTooSmallError extends NeverminedBackendError {
  constructor(facts: BackendErrorFacts) {
    super(facts, 'DELEGATION_BUDGET_TOO_SMALL');
  }
}

/** BCK.X402.0019 / 0020 / 0029: the delegation does not exist, was revoked, or is not for this key. */
export class DelegationUnusableError extends NeverminedBackendError {
  constructor(facts: BackendErrorFacts) {
    super(facts, 'DELEGATION_UNUSABLE');
  }
}

/** BCK.X402.0049: the card behind the delegation was declined. */
export class CardDeclinedError extends NeverminedBackendError {
  constructor(facts: BackendErrorFacts) {
    super(facts, 'CARD_DECLINED');
  }
}

/** BCK.APIKEY.0004: the NVM API key is invalid. */
export class InvalidApiKeyError extends NeverminedBackendError {
  constructor(facts: BackendErrorFacts) {
    super(facts, 'INVALID_API_KEY');
  }
}
