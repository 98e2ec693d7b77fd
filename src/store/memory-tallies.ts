import { tallyId } from './tally-id.js';
import type { LedgerEntry, LimitCheck } from './types.js';

// Running totals for the memory store (the idea of sqlite-tallies.ts, in memory), so a reservation
// costs the same with 100 or 1,000,000 past entries. A tally (one limit shape) keeps `total` (its
// entries, released ones excepted) and, for a window, `below`: those that ended before the
// watermark `t`; the others sit in a min-heap by end. A reservation pops what left the window into
// `below` and moves `t`; reads fold nothing (a read at an earlier `now` stays exact while `t` is
// behind it). An entry's members are stamped with its version: a settle bumps it, so the stale
// members are skipped when popped instead of being searched for. What ended in the last hour below
// the watermark stays listed (`recent`, by end), so a read whose window starts before the
// watermark (another caller's `now` a little behind, a clock stepped back) adds it back exactly.

interface Member {
  endAt: number;
  weight: number;
  entry: LedgerEntry;
  version: number;
}

interface Tally {
  limit: LimitCheck;
  total: number;
  below: number;
  t: number;
  heap: Member[];
  /** Members below the watermark that ended at or after t - RECENT_MS, by end (from `head` on). */
  recent: Member[];
  head: number;
}

/** How far behind the watermark a read stays exact without a rebuild. */
const RECENT_MS = 3_600_000;

function matches(e: LedgerEntry, l: LimitCheck): boolean {
  return l.kinds.includes(e.kind) && (l.origin === undefined || e.origin === l.origin) && (l.planId === undefined || e.planId === l.planId) && (l.note === undefined || e.note === l.note);
}

function weight(e: LedgerEntry, l: LimitCheck): number {
  if (e.state === 'released') return 0;
  return l.counts ? (e.compactedCount ?? 1) : e.amountCents;
}

const fromOf = (windowMs: number, now: number) => Math.floor(now - windowMs) + 1;

function push(heap: Member[], m: Member): void {
  heap.push(m);
  for (let i = heap.length - 1; i > 0; ) {
    const parent = (i - 1) >> 1;
    if (heap[parent]!.endAt <= m.endAt) break;
    heap[i] = heap[parent]!;
    heap[parent] = m;
    i = parent;
  }
}

function pop(heap: Member[]): Member {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length === 0) return top;
  heap[0] = last;
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let min = i;
    if (l < heap.length && heap[l]!.endAt < heap[min]!.endAt) min = l;
    if (r < heap.length && heap[r]!.endAt < heap[min]!.endAt) min = r;
    if (min === i) return top;
    [heap[i], heap[min]] = [heap[min]!, heap[i]!];
    i = min;
  }
}

export class MemoryTallies {
  readonly #tallies = new Map<string, Tally>();
  /** Each entry's version: members of an older version are stale. */
  readonly #versions = new WeakMap<LedgerEntry, number>();
  /** Entries that started after they were reserved (rare): they count only once started. */
  readonly #future = new Set<LedgerEntry>();

  #live(m: Member): boolean {
    return this.#versions.get(m.entry) === m.version;
  }

  #apply(s: Tally, e: LedgerEntry, sign: 1 | -1): void {
    const w = weight(e, s.limit);
    if (w === 0) return;
    s.total += sign * w;
    if (s.limit.windowMs === undefined) return;
    if (e.endAt < s.t) {
      s.below += sign * w;
      if (sign > 0 && e.endAt >= s.t - RECENT_MS) this.#remember(s, { endAt: e.endAt, weight: w, entry: e, version: this.#versions.get(e) ?? 0 });
    } else if (sign > 0) push(s.heap, { endAt: e.endAt, weight: w, entry: e, version: this.#versions.get(e) ?? 0 });
    // (sign < 0 above the watermark: the member goes stale with the entry's version)
  }

  /**
   * The tally of `limit`, built by one scan of `entries` the first time it is asked for, and again
   * when `now`'s window starts more than RECENT_MS before the watermark (the clock stepped back
   * that far, rare): what ended in between is no longer listed.
   */
  ensure(limit: LimitCheck, now: number, entries: Iterable<LedgerEntry>): Tally {
    const id = tallyId(limit);
    let s = this.#tallies.get(id);
    if (s && (s.limit.windowMs === undefined || fromOf(s.limit.windowMs, now) >= s.t - RECENT_MS)) return s;
    s = { limit: { ...limit, kinds: [...limit.kinds] }, total: 0, below: 0, t: limit.windowMs === undefined ? 0 : fromOf(limit.windowMs, now), heap: [], recent: [], head: 0 };
    for (const e of entries) if (matches(e, s.limit)) this.#apply(s, e, 1);
    this.#tallies.set(id, s);
    return s;
  }

  /** Moves what left the window into `below` (a reservation's step). */
  fold(s: Tally, now: number): void {
    if (s.limit.windowMs === undefined) return;
    const from = fromOf(s.limit.windowMs, now);
    if (from <= s.t) return;
    while (s.heap.length > 0 && s.heap[0]!.endAt < from) {
      const m = pop(s.heap);
      if (this.#live(m)) {
        s.below += m.weight;
        s.recent.push(m); // (popped in order of end, each above what was folded before)
      }
    }
    s.t = from;
    while (s.head < s.recent.length && s.recent[s.head]!.endAt < from - RECENT_MS) s.head += 1;
    if (s.head > 1_024 && s.head * 2 > s.recent.length) {
      s.recent = s.recent.slice(s.head);
      s.head = 0;
    }
    for (const e of this.#future) if (e.startAt <= now) this.#future.delete(e); // started: counts as any other
  }

  usage(s: Tally, now: number): number {
    if (s.limit.windowMs === undefined) return s.total;
    const from = fromOf(s.limit.windowMs, now);
    let used = s.total - s.below;
    if (from > s.t) for (const m of s.heap) if (m.endAt < from && this.#live(m)) used -= m.weight; // a read ahead of the watermark
    // A read behind it: what ended in [from, t) is in its window again.
    for (let i = s.recent.length - 1; from < s.t && i >= s.head && s.recent[i]!.endAt >= from; i -= 1) if (this.#live(s.recent[i]!)) used += s.recent[i]!.weight;
    for (const e of this.#future) if (e.startAt > now && e.endAt >= from && matches(e, s.limit)) used -= weight(e, s.limit);
    return used;
  }

  /** Lists a member below the watermark in order of end (rare: an entry that ends before it). */
  #remember(s: Tally, m: Member): void {
    let lo = s.head;
    let hi = s.recent.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.recent[mid]!.endAt <= m.endAt) lo = mid + 1;
      else hi = mid;
    }
    s.recent.splice(lo, 0, m);
  }

  added(e: LedgerEntry, now: number): void {
    this.#versions.set(e, 0);
    for (const s of this.#tallies.values()) if (matches(e, s.limit)) this.#apply(s, e, 1);
    if (e.startAt > now) this.#future.add(e);
  }

  /** Call with the entry as it was, then `apply` the change to it, then `changed(entry)`. */
  changing(e: LedgerEntry): void {
    for (const s of this.#tallies.values()) if (matches(e, s.limit)) this.#apply(s, e, -1);
    this.#versions.set(e, (this.#versions.get(e) ?? 0) + 1);
  }

  changed(e: LedgerEntry): void {
    for (const s of this.#tallies.values()) if (matches(e, s.limit)) this.#apply(s, e, 1);
  }
}
