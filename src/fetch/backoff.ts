/** Longest wait honoured from a server's Retry-After; longer asks fall back to our own backoff. */
const MAX_HONOURED_MS = 60_000;

/**
 * How long to wait before retrying a rate-limited call (openai-node's rule): `retry-after-ms`,
 * then `Retry-After` (seconds or an HTTP date), ignoring absurd values; else exponential backoff
 * from `baseMs` with jitter, capped at `maxMs`.
 */
export function retryDelayMs(headers: Headers, attempt: number, baseMs = 500, maxMs = 8_000, now = Date.now()): number {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0 && ms <= MAX_HONOURED_MS) return ms;
  const after = headers.get('retry-after');
  if (after !== null) {
    const seconds = Number(after);
    const fromHeader = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(after) - now;
    if (Number.isFinite(fromHeader) && fromHeader >= 0 && fromHeader <= MAX_HONOURED_MS) return fromHeader;
  }
  const exponential = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(exponential * (0.75 + Math.random() * 0.25));
}
