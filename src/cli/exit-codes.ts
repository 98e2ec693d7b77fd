import { BudgetExceededError } from '../errors/budget-exceeded-error.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { ConsentRequiredError } from '../errors/consent-required-error.js';
import { PaymentOutcomeUnknownError } from '../errors/payment-outcome-unknown-error.js';
import { PolicyDeniedError } from '../errors/policy-denied-error.js';
import { ProviderCappedError } from '../errors/provider-capped-error.js';
import { VelocityExceededError } from '../errors/velocity-exceeded-error.js';
import { networkCause } from './network-cause.js';
import { UsageError } from './usage-error.js';

/** Documented exit codes of the paying-fetch command (README, "Exit codes"). */
export const EXIT = {
  OK: 0,
  /** The server answered an HTTP error status (>= 400, an unpaid 402 included), or reconcile found a gap. */
  HTTP_ERROR: 1,
  /** Bad usage or configuration (bad flag, missing key, invalid config file). */
  USAGE: 2,
  /** The spending policy refused: budget, cap, velocity, allow/deny list, missing consent, a vendor's cap. */
  REFUSED: 3,
  /** Paying failed: backend error, delegation expired, seller refused, outcome unknown. */
  PAYMENT_FAILED: 4,
  /** The network failed before any answer: connection refused, DNS, TLS, reset, timeout. */
  NETWORK: 5,
} as const;

// The classes whose errors mean "the policy said no". When the library groups its errors under
// bases (a policy refusal, a configuration error, ...), this list becomes one instanceof each.
const REFUSALS = [BudgetExceededError, VelocityExceededError, PolicyDeniedError, ConsentRequiredError, ProviderCappedError];

/** The exit code for an error: one place, from the error's class. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigurationError) return EXIT.USAGE;
  if (REFUSALS.some((refusal) => error instanceof refusal)) return EXIT.REFUSED;
  // A paid request that got no answer is an unknown outcome (reconcile), not a plain network failure.
  if (!(error instanceof PaymentOutcomeUnknownError) && networkCause(error)) return EXIT.NETWORK;
  return EXIT.PAYMENT_FAILED;
}
