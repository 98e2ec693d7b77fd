import { NeverminedBackendError } from '../errors/backend-error.js';
import { DEFAULT_RETRIES, DEFAULT_RETRY_DELAY_MS, withRetries, type RetryKnobs } from '../util/retry-policy.js';

/** How often and how patiently a backend call is retried: the same for the REST and SDK paths. */
export interface BackendRetryOptions extends Omit<RetryKnobs, 'onRetry'> {
  /** Told of each retry of a backend call, with what was being done (`mint`, `get delegation`, ...). */
  onRetry?: ((retry: { action: string; attempt: number; retriesLeft: number; delayMs: number; reason: string }) => void) | undefined;
}

export const DEFAULT_BACKEND_RETRIES = DEFAULT_RETRIES;
export const DEFAULT_BACKEND_RETRY_DELAY_MS = DEFAULT_RETRY_DELAY_MS;

/** A failure the backend (or the SDK's view of it) marked transient: network, 5xx, BCK.X402.0051. */
export function isTransientBackendFailure(error: unknown): boolean {
  return error instanceof NeverminedBackendError && error.retryable;
}

/**
 * Runs one backend call under the shared retry policy, retrying only transient failures: one
 * rule for every path that talks to Nevermined.
 */
export function withBackendRetries<T>(attempt: () => Promise<T>, options: BackendRetryOptions, signal?: AbortSignal, action = 'call the backend'): Promise<T> {
  const { onRetry, ...knobs } = options;
  return withRetries(attempt, { ...knobs, onRetry: onRetry && ((retry) => onRetry({ ...retry, action })) }, isTransientBackendFailure, signal);
}
