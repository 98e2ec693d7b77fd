import type { ReceiptRecord } from '../store/types.js';

export type GroupBy = 'agent' | 'provider' | 'origin' | 'plan' | 'day' | 'hour';

export interface SpendRow {
  key: string;
  calls: number;
  chargedCents: number;
  /** Calls whose cost is not known yet (unknown outcomes, unpriced charges). */
  unpricedCalls: number;
  /** Average cost of a call, in thousandths of a cent (integers, like all money here). */
  millicentsPerCall: number;
}

export interface Outlier {
  key: string;
  kind: 'high' | 'low' | 'cost-jump';
  reason: string;
}

export interface SpendReport {
  groupBy: GroupBy;
  since: number | undefined;
  rows: SpendRow[];
  totalCents: number;
  totalCalls: number;
  outliers: Outlier[];
}

export interface SpendOptions {
  groupBy: GroupBy;
  since?: number | undefined;
  /** How far from the peers' median an agent must be to be flagged (x and 1/x). Default 3. */
  outlierFactor?: number | undefined;
}

const UNLABELLED = '(unlabelled)';

function keyOf(receipt: ReceiptRecord, groupBy: GroupBy): string {
  switch (groupBy) {
    case 'agent':
      return receipt.agent ?? UNLABELLED;
    case 'provider':
      return receipt.provider ?? receipt.origin;
    case 'origin':
      return receipt.origin;
    case 'plan':
      return receipt.planId ?? '-';
    case 'day':
      return new Date(receipt.at).toISOString().slice(0, 10);
    case 'hour':
      return new Date(receipt.at).toISOString().slice(0, 13) + ':00';
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** Spend and calls per group, from the receipts, with outliers flagged. */
export function spendReport(receipts: ReadonlyArray<ReceiptRecord>, options: SpendOptions): SpendReport {
  const since = options.since;
  const kept = receipts.filter((r) => since === undefined || r.at >= since);
  const rows = new Map<string, SpendRow>();
  for (const r of kept) {
    const key = keyOf(r, options.groupBy);
    const row = rows.get(key) ?? { key, calls: 0, chargedCents: 0, unpricedCalls: 0, millicentsPerCall: 0 };
    row.calls += 1;
    if (r.amountCents === undefined) row.unpricedCalls += 1;
    else row.chargedCents += r.amountCents;
    rows.set(key, row);
  }
  for (const row of rows.values()) row.millicentsPerCall = Math.round((row.chargedCents * 1000) / row.calls);
  const list = [...rows.values()].sort((a, b) => (options.groupBy === 'day' || options.groupBy === 'hour' ? a.key.localeCompare(b.key) : b.chargedCents - a.chargedCents || a.key.localeCompare(b.key)));
  const outliers = [...peerOutliers(list, options), ...(options.groupBy === 'provider' || options.groupBy === 'origin' ? costJumps(kept, options.groupBy) : [])];
  return {
    groupBy: options.groupBy,
    since,
    rows: list,
    totalCents: list.reduce((s, r) => s + r.chargedCents, 0),
    totalCalls: list.reduce((s, r) => s + r.calls, 0),
    outliers,
  };
}

/** Agents (or any non-time groups) far above or below their peers' median spend. Needs 3 peers. */
function peerOutliers(rows: SpendRow[], options: SpendOptions): Outlier[] {
  if (options.groupBy === 'day' || options.groupBy === 'hour' || rows.length < 3) return [];
  const factor = options.outlierFactor ?? 3;
  const mid = median(rows.map((r) => r.chargedCents));
  const out: Outlier[] = [];
  for (const row of rows) {
    if (mid > 0 && row.chargedCents >= mid * factor) out.push({ key: row.key, kind: 'high', reason: `spent ${row.chargedCents}c, over ${factor}x the peers' median of ${mid}c` });
    else if (mid > 0 && row.chargedCents * factor <= mid) out.push({ key: row.key, kind: 'low', reason: `spent ${row.chargedCents}c, under 1/${factor} of the peers' median of ${mid}c` });
  }
  return out;
}

/** A provider whose cost per call on its latest day is at least twice its earlier days' median. */
function costJumps(receipts: ReadonlyArray<ReceiptRecord>, groupBy: 'provider' | 'origin'): Outlier[] {
  const byKeyDay = new Map<string, Map<string, { calls: number; cents: number }>>();
  for (const r of receipts) {
    const key = keyOf(r, groupBy);
    const day = keyOf(r, 'day');
    const days = byKeyDay.get(key) ?? new Map();
    const cell = days.get(day) ?? { calls: 0, cents: 0 };
    cell.calls += 1;
    cell.cents += r.amountCents ?? 0;
    days.set(day, cell);
    byKeyDay.set(key, days);
  }
  const out: Outlier[] = [];
  for (const [key, days] of byKeyDay) {
    const ordered = [...days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, c]) => Math.round((c.cents * 1000) / c.calls));
    if (ordered.length < 3) continue;
    const last = ordered.at(-1)!;
    const before = median(ordered.slice(0, -1));
    if (before > 0 && last >= before * 2) out.push({ key, kind: 'cost-jump', reason: `cost per call rose to ${last / 1000}c from a median of ${before / 1000}c` });
  }
  return out;
}
