import { budgetView, type BudgetView, type WindowView } from '../policy/budget-view.js';
import { parsePolicy, type Policy } from '../policy/policy.js';
import type { KeyRecord, ReceiptRecord, Store } from '../store/types.js';
import { redactKey } from '../util/redact.js';

export interface InspectOptions {
  /** Any store; open it read-only (e.g. `new EmbeddedStore(home, { readOnly: true })`) to inspect a running agent's state. */
  store: Store;
  /** The policy whose limits the views measure against (no policy: no limits). */
  policy?: unknown;
  now?: () => number;
}

/** A provisioned key as it may be shown: redacted. */
export type KeyListing = Omit<KeyRecord, 'apiKey'> & { key: string };

/** The tightest budget window: how much can still be spent in it (reserved money is spendable by its delegation). */
export interface LeftToSpend {
  window: 'lifetime' | 'perHour' | 'perDay';
  limitCents: number;
  spentCents: number;
  leftCents: number;
}

export interface Inspection {
  budget(): Promise<BudgetView>;
  receipts(query?: { since?: number | undefined; origin?: string | undefined }): Promise<ReceiptRecord[]>;
  keys(): Promise<KeyListing[]>;
}

/** Read-only views of a paying-fetch state: what the ledger holds, without a key and without paying. */
export function inspect(options: InspectOptions): Inspection {
  const policy: Policy = parsePolicy(options.policy);
  const now = options.now ?? Date.now;
  const { store } = options;
  return {
    budget: async () => budgetView(await store.entries(), policy, now()),
    receipts: (query) => store.receipts(query),
    keys: async () => (await store.keys()).map(({ apiKey, ...rest }) => ({ ...rest, key: redactKey(apiKey) })),
  };
}

/** Of the windows with a limit, the one with the least left to spend; undefined when none has a limit. */
export function leftToSpend(view: BudgetView): LeftToSpend | undefined {
  const windows = (['lifetime', 'perHour', 'perDay'] as const)
    .map((window) => ({ window, w: view[window] as WindowView }))
    .filter((x): x is { window: LeftToSpend['window']; w: WindowView & { limitCents: number } } => x.w.limitCents !== undefined)
    .map(({ window, w }) => ({ window, limitCents: w.limitCents, spentCents: w.spentCents, leftCents: Math.max(0, w.limitCents - w.spentCents) }));
  return windows.sort((a, b) => a.leftCents - b.leftCents)[0];
}

/**
 * A policy that lets one more call reserve at most `cents` beyond what is already reserved or
 * committed (the command's `--budget-cents`): a lifetime ceiling, never above the policy's own.
 */
export function withCallCeiling(policy: Policy, view: BudgetView, cents: number): { policy: Policy; ceilingCents: number; binding: boolean } {
  const used = view.lifetime.reservedCents + view.lifetime.committedCents;
  const own = policy.budget?.lifetimeCents ?? Number.POSITIVE_INFINITY;
  const ceilingCents = Math.min(used + cents, own);
  // binding: the ceiling, not the policy's own lifetime budget, is what a refusal would be about.
  return { policy: { ...policy, budget: { ...policy.budget, lifetimeCents: ceilingCents } }, ceilingCents, binding: used + cents < own };
}
