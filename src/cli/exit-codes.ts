import { errorKind } from '../errors/bases.js';
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

/** The exit code for an error: one place, from the error's base (errors/bases.ts). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.USAGE;
  const kind = errorKind(error);
  if (kind === 'configuration') return EXIT.USAGE;
  if (kind === 'policy-refusal') return EXIT.REFUSED;
  // A paid request that got no answer is an unknown outcome (reconcile), not a plain network failure.
  if (kind !== 'outcome-unknown' && networkCause(error)) return EXIT.NETWORK;
  return EXIT.PAYMENT_FAILED;
}
