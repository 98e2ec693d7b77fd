import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { ConsentRequiredError } from '../errors/consent-required-error.js';
import { DelegationBudgetTooSmallError, DelegationExhaustedError, DelegationExpiredError, DelegationUnusableError, InvalidApiKeyError } from '../errors/delegation-errors.js';
import { PaymentOutcomeUnknownError } from '../errors/payment-outcome-unknown-error.js';
import { PolicyDeniedError } from '../errors/policy-denied-error.js';
import { ConfigFileError } from './config-file-error.js';
import { FlagBudgetExceededError } from './flag-budget-exceeded-error.js';
import { networkCause } from './network-cause.js';
import { UsageError } from './usage-error.js';

const DELEGATION_ENDED = [DelegationExpiredError, DelegationExhaustedError, DelegationBudgetTooSmallError, DelegationUnusableError];

/** What to do about an error, in one line, fitted to its cause; undefined when the message says it all. */
export function fixFor(error: unknown): string | undefined {
  if (error instanceof UsageError) return 'see paying-fetch --help';
  if (error instanceof ConfigFileError) return `correct ${error.file} (README: "The paying-fetch command")`;
  if (error instanceof FlagBudgetExceededError) return error.fix;
  if (error instanceof BudgetExceededError) return budgetFix(error);
  if (error instanceof ConsentRequiredError) return 'grant the named consent (autoRenew / autoTopUp) in config.json, or renew by hand';
  if (error instanceof PolicyDeniedError) return 'the policy allow/deny lists in config.json forbid it';
  if (error instanceof InvalidApiKeyError) return 'NVM_API_KEY is wrong or revoked: create a new key in the Nevermined app';
  if (DELEGATION_ENDED.some((ended) => error instanceof ended)) return 'create a new delegation (or use NVM_PAYMENT_METHOD_ID with policy.autoRenew)';
  if (error instanceof PaymentOutcomeUnknownError) return 'run `paying-fetch reconcile` before retrying';
  const network = networkCause(error);
  if (network) return network.code === 'ECONNREFUSED' ? 'check the URL and port, and that the server runs' : 'check the URL, your network and proxy settings';
  return undefined;
}

function budgetFix(error: BudgetExceededError): string {
  if (error.limit.startsWith('budget.')) return `wait for the window to roll over, or raise policy.${error.limit} in config.json`;
  return `the cap ${error.limit} in config.json (perOrigin / perPlan) allows no more now`;
}
