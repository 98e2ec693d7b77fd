import pRetry from 'p-retry';

/**
 * One retry policy for calls that may be replayed safely (a backend call, a purchase POST that
 * replays the same token): how often, and how patiently. The `backendRetries` /
 * `backendRetryDelayMs` options of createPayingFetch set these knobs.
 */
export interface RetryKnobs {
  /** Retries after the first attempt. Default 3. */
  retries?: number | undefined;
  /** First backoff delay in ms; it doubles, jittered, up to 16 times this. Default 200. */
  retryDelayMs?: number | undefined;
  /** Told of each retry before its wait (events, progress). The reason is the failure's message. */
  onRetry?: ((retry: { attempt: number; retriesLeft: number; delayMs: number; reason: string }) => void) | undefined;
}

export const DEFAULT_RETRIES = 3;
export const DEFAULT_RETRY_DELAY_MS = 200;

/**
 * Runs `attempt`, retrying only the failures `isTransient` accepts (the caller says why a failure
 * is worth another try: a network error, a 5xx); an abort stops at once.
 */
export function withRetries<T>(attempt: () => Promise<T>, knobs: RetryKnobs, isTransient: (error: unknown) => boolean, signal?: AbortSignal): Promise<T> {
  const delay = knobs.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const onRetry = knobs.onRetry;
  return pRetry(attempt, {
    retries: knobs.retries ?? DEFAULT_RETRIES,
    minTimeout: delay,
    maxTimeout: delay * 16,
    randomize: true,
    ...(signal ? { signal } : {}),
    shouldRetry: ({ error, attemptNumber, retriesLeft }) => {
      const again = isTransient(error);
      // Said before the wait: the nominal backoff (jitter adds up to as much again).
      if (again && retriesLeft > 0) onRetry?.({ attempt: attemptNumber, retriesLeft, delayMs: Math.min(delay * 2 ** (attemptNumber - 1), delay * 16), reason: error.message.slice(0, 200) });
      return again;
    },
  });
}
