import { sha256Hex } from '../util/sha256.js';
import type { LimitCheck } from './types.js';

/** Scope ids already computed: limits are rebuilt per call, their scopes are few. */
const ids = new Map<string, string>();

/**
 * What a limit counts, whatever its name and maximum: its kinds, origin, plan, note, sum or count,
 * and window. Limits with one tally id share running totals (two names for one daily budget).
 */
export function tallyId(limit: LimitCheck): string {
  const key = JSON.stringify([[...limit.kinds].sort(), limit.origin ?? null, limit.planId ?? null, limit.note ?? null, limit.counts === true, limit.windowMs ?? null]);
  let id = ids.get(key);
  if (id === undefined) {
    id = sha256Hex(key).slice(0, 24);
    if (ids.size > 10_000) ids.clear();
    ids.set(key, id);
  }
  return id;
}
