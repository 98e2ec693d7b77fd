import pRetry from 'p-retry';
import { NeverminedBackendError } from '../errors/backend-error.js';

/** How often and how patiently a backend call is retried: the same for the REST and SDK paths. */
export interface BackendRetryOptions {
  /** Retries of transient failures (network, 5xx, BCK.X402.0051). Default 3. */
  retries?: number | undefined;
  /** First backoff delay in ms (doubles, jittered, at most 16x). Default 200. */
  retryDelayMs?: number | undefined;
}

export const DEFAULT_BACKEND_RETRIES = 3;
export const DEFAULT_BACKEND_RETRY_DELAY_MS = 200;

/**
 * Runs one backend call, retrying only failures the backend marked transient
 * (`NeverminedBackendError.retryable`): one rule for every path that talks to Nevermined.
 */
export function withBackendRetries<T>(attempt: () => Promise<T>, options: BackendRetryOptions, signal?: AbortSignal): Promise<T> {
  const delay = options.retryDelayMs ?? DEFAULT_BACKEND_RETRY_DELAY_MS;
  return pRetry(attempt, {
    retries: options.retries ?? DEFAULT_BACKEND_RETRIES,
    minTimeout: delay,
    maxTimeout: delay * 16,
    randomize: true,
    ...(signal ? { signal } : {}),
    shouldRetry: ({ error }) => error instanceof NeverminedBackendError && error.retryable,
  });
}
