import type { EntryKind, LimitCheck } from '../store/types.js';
import type { Caps, Policy } from './policy.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Entries that spend the budget: delegation limits and known-price purchases (charges are inside delegations). */
const BUDGET_KINDS: ReadonlyArray<EntryKind> = ['delegation', 'purchase'];
/** Entries that caps per origin and plan see: known prices and charges observed under delegations. */
const SCOPED_KINDS: ReadonlyArray<EntryKind> = ['purchase', 'pack', 'charge'];
/** Entries that are purchases, for velocity limits. */
const PURCHASE_KINDS: ReadonlyArray<EntryKind> = ['delegation', 'purchase', 'pack'];

export const BUDGET_ENTRY_KINDS = BUDGET_KINDS;

function capsToLimits(prefix: string, caps: Caps | undefined, kinds: ReadonlyArray<EntryKind>, scope: Partial<LimitCheck>): LimitCheck[] {
  if (!caps) return [];
  const out: LimitCheck[] = [];
  if (caps.lifetimeCents !== undefined) out.push({ name: `${prefix}.lifetime`, max: caps.lifetimeCents, kinds, ...scope });
  if (caps.perHourCents !== undefined) out.push({ name: `${prefix}.perHour`, windowMs: HOUR_MS, max: caps.perHourCents, kinds, ...scope });
  if (caps.perDayCents !== undefined) out.push({ name: `${prefix}.perDay`, windowMs: DAY_MS, max: caps.perDayCents, kinds, ...scope });
  return out;
}

/** The total budget's limits. */
export function budgetLimits(policy: Policy): LimitCheck[] {
  return capsToLimits('budget', policy.budget, BUDGET_KINDS, {});
}

/** Caps on one origin and one plan. */
export function scopedLimits(policy: Policy, origin: string | undefined, planId: string | undefined): LimitCheck[] {
  return [
    ...(origin ? capsToLimits(`origin:${origin}`, policy.perOrigin?.[origin], SCOPED_KINDS, { origin }) : []),
    ...(planId ? capsToLimits(`plan:${planId}`, policy.perPlan?.[planId], SCOPED_KINDS, { planId }) : []),
  ];
}

/** The velocity limits (`maxPurchasesPer`): counts, not cents. */
export function velocityLimits(policy: Policy): LimitCheck[] {
  const out: LimitCheck[] = [];
  const per = policy.maxPurchasesPer;
  if (per?.hour !== undefined) out.push({ name: 'maxPurchasesPer.hour', windowMs: HOUR_MS, max: per.hour, counts: true, kinds: PURCHASE_KINDS });
  if (per?.day !== undefined) out.push({ name: 'maxPurchasesPer.day', windowMs: DAY_MS, max: per.day, counts: true, kinds: PURCHASE_KINDS });
  return out;
}

/** The shortest budget window, so delegations paying-fetch creates do not outlive it by default. */
export function shortestWindowMs(policy: Policy): number | undefined {
  if (policy.budget?.perHourCents !== undefined) return HOUR_MS;
  if (policy.budget?.perDayCents !== undefined) return DAY_MS;
  return undefined;
}
