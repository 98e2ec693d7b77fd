import { ConfigurationError } from './configuration-error.js';
import { OutcomeUnknownError } from './outcome-unknown-error.js';
import { PaymentFailureError } from './payment-failure-error.js';
import { PolicyRefusalError } from './policy-refusal-error.js';

/** The few kinds a caller (or the CLI's exit code) acts on. */
export type ErrorKind = 'policy-refusal' | 'payment-failure' | 'outcome-unknown' | 'configuration' | 'store' | 'other';

export function isPolicyRefusal(error: unknown): error is PolicyRefusalError {
  return error instanceof PolicyRefusalError;
}

/** Which base an error belongs to; `other` for anything that is not paying-fetch's. */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof PolicyRefusalError) return 'policy-refusal';
  if (error instanceof OutcomeUnknownError) return 'outcome-unknown';
  if (error instanceof PaymentFailureError) return 'payment-failure';
  if (error instanceof ConfigurationError) return 'configuration';
  if ((error as { code?: unknown } | undefined)?.code === 'STORE_FAILED') return 'store';
  return 'other';
}
