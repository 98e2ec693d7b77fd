import { PayingFetchError } from '../errors/paying-fetch-error.js';

/** Documented exit codes of the paying-fetch command. */
export const EXIT = {
  OK: 0,
  /** The server answered an HTTP error status (>= 400), or reconcile found a gap. */
  HTTP_ERROR: 1,
  /** Bad usage or configuration (missing key, bad flag, invalid config file). */
  USAGE: 2,
  /** The spending policy refused: budget, cap, velocity, allow/deny list, missing consent. */
  REFUSED: 3,
  /** Paying failed: backend error, delegation expired, seller refused, outcome unknown. */
  PAYMENT_FAILED: 4,
} as const;

const REFUSALS = new Set(['BUDGET_EXCEEDED', 'POLICY_DENIED', 'VELOCITY_EXCEEDED', 'CONSENT_REQUIRED', 'PROVIDER_CAPPED']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof PayingFetchError) {
    if (error.code === 'CONFIGURATION') return EXIT.USAGE;
    if (REFUSALS.has(error.code)) return EXIT.REFUSED;
    return EXIT.PAYMENT_FAILED;
  }
  if ((error as { code?: string })?.code === 'commander.error') return EXIT.USAGE;
  return EXIT.PAYMENT_FAILED;
}

/** What to do about an error, in one line. */
export function fixFor(error: unknown): string | undefined {
  const code = (error as { code?: string })?.code;
  switch (code) {
    case 'CONFIGURATION':
      return 'check NVM_API_KEY, NVM_DELEGATION_ID / NVM_PAYMENT_METHOD_ID, and config.json in PAYING_FETCH_HOME';
    case 'BUDGET_EXCEEDED':
      return 'wait for the window to roll over, or raise policy.budget in config.json';
    case 'CONSENT_REQUIRED':
      return 'grant the named consent (autoRenew / autoTopUp) in config.json, or renew by hand';
    case 'POLICY_DENIED':
      return 'the policy allow/deny lists in config.json forbid it';
    case 'DELEGATION_EXPIRED':
    case 'DELEGATION_EXHAUSTED':
    case 'DELEGATION_BUDGET_TOO_SMALL':
    case 'DELEGATION_UNUSABLE':
      return 'create a new delegation (or use NVM_PAYMENT_METHOD_ID with policy.autoRenew)';
    case 'INVALID_API_KEY':
      return 'NVM_API_KEY is wrong or revoked: create a new key in the Nevermined app';
    case 'PAYMENT_OUTCOME_UNKNOWN':
      return 'run `paying-fetch reconcile` before retrying';
    default:
      return undefined;
  }
}
