import { ConfigurationError } from '../errors/configuration-error.js';
import type { LimitCheck } from './types.js';

// What the shared stores' compaction (Redis, Postgres) asks of a limit. Their scripts keep the
// same hour: compaction stays that far before the widest window a deployment counts.

/** How much shorter than compactAfterMs a window must be (clocks apart). */
export const COMPACT_MARGIN_MS = 3_600_000;

/** Refuses a limit whose window compaction could reach into. */
export function assertCompactable(limit: LimitCheck, compactAfterMs: number): void {
  if (limit.windowMs !== undefined && limit.windowMs + COMPACT_MARGIN_MS > compactAfterMs) {
    throw new ConfigurationError(`A ${limit.windowMs} ms window needs compactAfterMs an hour above it (it is ${compactAfterMs})`);
  }
}
