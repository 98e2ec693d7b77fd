import type { LedgerEntry } from '../store/types.js';
import { BUDGET_ENTRY_KINDS, DAY_MS, HOUR_MS } from './limits.js';
import type { Policy } from './policy.js';

export interface WindowView {
  limitCents: number | undefined;
  /** Money gone: card charges, purchases, and what closed delegations spent. */
  spentCents: number;
  /** Set aside and not spent yet: the unspent part of open delegations, payments in flight, unknown outcomes. */
  unspentReservedCents: number;
  /** What can still be reserved (the limit less everything reserved or committed); undefined without a limit. */
  remainingCents: number | undefined;
  /** Ledger terms: reservations not settled (whole delegation limits, unknown outcomes included)... */
  reservedCents: number;
  /** ...and settled ones (closed delegations at what they spent, purchases). */
  committedCents: number;
}

export interface BudgetView {
  lifetime: WindowView;
  perHour: WindowView;
  perDay: WindowView;
  /** Reservations whose outcome is unknown (kept until reconciled). */
  unknownCents: number;
}

const sum = (entries: LedgerEntry[]) => entries.reduce((s, e) => s + e.amountCents, 0);

/** A charge or pack paid under a delegation belongs to it when it names it (charges) or falls in its life (packs). */
function under(spend: LedgerEntry, delegation: LedgerEntry): boolean {
  if (spend.kind === 'charge') return spend.delegationId === delegation.delegationId && spend.startAt >= delegation.startAt && (delegation.state !== 'committed' || spend.startAt <= delegation.endAt);
  return spend.startAt >= delegation.startAt && spend.startAt <= delegation.endAt;
}

function windowView(entries: LedgerEntry[], windowMs: number | undefined, limitCents: number | undefined, now: number): WindowView {
  const inWindow = (e: LedgerEntry) => windowMs === undefined || (e.endAt > now - windowMs && e.startAt <= now);
  const budget = entries.filter((e) => BUDGET_ENTRY_KINDS.includes(e.kind) && inWindow(e));
  const open = budget.filter((e) => e.state !== 'committed');
  const reserved = sum(open);
  const committed = sum(budget.filter((e) => e.state === 'committed'));
  // Charges and packs paid with a delegation's tokens: a closed delegation's committed amount already holds them.
  const delegations = entries.filter((e) => e.kind === 'delegation');
  const closed = delegations.filter((e) => e.state === 'committed');
  const inside = entries.filter((e) => (e.kind === 'charge' || e.kind === 'pack') && e.state === 'committed' && !closed.some((d) => under(e, d)));
  const spentUnderOpen = sum(inside.filter((e) => open.some((d) => d.kind === 'delegation' && under(e, d))));
  return {
    limitCents,
    spentCents: committed + sum(inside.filter(inWindow)),
    unspentReservedCents: Math.max(0, reserved - spentUnderOpen),
    remainingCents: limitCents === undefined ? undefined : Math.max(0, limitCents - reserved - committed),
    reservedCents: reserved,
    committedCents: committed,
  };
}

/** Spent, reserved and left per budget window, from the ledger's entries (read-only). */
export function budgetView(all: LedgerEntry[], policy: Policy, now: number): BudgetView {
  const entries = all.filter((e) => e.state !== 'released');
  return {
    lifetime: windowView(entries, undefined, policy.budget?.lifetimeCents, now),
    perHour: windowView(entries, HOUR_MS, policy.budget?.perHourCents, now),
    perDay: windowView(entries, DAY_MS, policy.budget?.perDayCents, now),
    unknownCents: sum(entries.filter((e) => e.state === 'unknown' && BUDGET_ENTRY_KINDS.includes(e.kind))),
  };
}
