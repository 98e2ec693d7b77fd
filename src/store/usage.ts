import type { LedgerEntry, LimitCheck } from './types.js';

/**
 * Whether an entry counts against a limit at `now`. An entry counts in a rolling window when its
 * life [startAt, endAt] intersects (now - window, now]: a delegation can be charged at any moment
 * of its life, so it weighs on every window it overlaps. Released entries never count.
 */
export function counts(entry: LedgerEntry, limit: LimitCheck, now: number): boolean {
  if (entry.state === 'released') return false;
  if (!limit.kinds.includes(entry.kind)) return false;
  if (limit.origin !== undefined && entry.origin !== limit.origin) return false;
  if (limit.planId !== undefined && entry.planId !== limit.planId) return false;
  if (limit.note !== undefined && entry.note !== limit.note) return false;
  if (limit.windowMs === undefined) return true;
  return entry.endAt > now - limit.windowMs && entry.startAt <= now;
}

export function usageOf(entries: Iterable<LedgerEntry>, limit: LimitCheck, now: number): number {
  let used = 0;
  for (const entry of entries) if (counts(entry, limit, now)) used += limit.counts ? (entry.compactedCount ?? 1) : entry.amountCents;
  return used;
}
