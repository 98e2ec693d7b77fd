import type { NeverminedClient } from '../nevermined/client.js';
import type { BudgetView, Ledger } from '../policy/ledger.js';

export interface DelegationBalance {
  delegationId: string;
  status?: string | undefined;
  spendingLimitCents?: number | undefined;
  amountSpentCents?: number | undefined;
  remainingBudgetCents?: number | undefined;
  expiresAt?: string | null | undefined;
  /** Set when the backend could not be asked; the rest is then unknown. */
  error?: string | undefined;
}

export interface PlanBalanceView {
  planId: string;
  holder: string;
  /** Credits on the plan, from the backend (decimal string: can be large). */
  credits?: string | undefined;
  /** `remainingBalance` of the latest receipt for the plan, as the seller reported it. */
  lastReported?: string | undefined;
  error?: string | undefined;
}

export interface PackBalance {
  provider: string;
  planId: string;
  principal: string;
  units?: number | undefined;
  lastRemaining?: number | undefined;
  lastTopUpAt?: number | undefined;
  purchases: number;
}

export interface Balances {
  at: number;
  /** The local ledger's view: reserved, committed, remaining per window. */
  budget: BudgetView;
  delegations: DelegationBalance[];
  plans: PlanBalanceView[];
  packs: PackBalance[];
}

/** How much is left, everywhere paying-fetch can look: backend, receipts and the ledger. */
export async function balances(client: NeverminedClient, ledger: Ledger, now: () => number): Promise<Balances> {
  const store = ledger.store;
  const entries = await store.entries({ kinds: ['delegation'] });
  const delegationIds = [...new Set(entries.filter((e) => e.delegationId && e.state !== 'released').map((e) => e.delegationId!))];
  const delegations = await Promise.all(
    delegationIds.map(async (delegationId): Promise<DelegationBalance> => {
      try {
        const d = await client.getDelegation(delegationId);
        return { delegationId, status: d.status, spendingLimitCents: d.spendingLimitCents, amountSpentCents: d.amountSpentCents, remainingBudgetCents: d.remainingBudgetCents, expiresAt: d.expiresAt };
      } catch (error) {
        return { delegationId, error: client.scrub((error as Error).message) };
      }
    }),
  );
  const receipts = await store.receipts();
  const lastByPlan = new Map<string, string | undefined>();
  for (const r of receipts) if (r.planId && r.scheme?.startsWith('nvm:')) lastByPlan.set(r.planId, r.remainingBalance ?? lastByPlan.get(r.planId));
  const holder = client.principal;
  const plans = await Promise.all(
    [...lastByPlan.entries()].map(async ([planId, lastReported]): Promise<PlanBalanceView> => {
      try {
        return { planId, holder, credits: (await client.getPlanBalance(planId, holder)).balance, lastReported };
      } catch (error) {
        return { planId, holder, lastReported, error: client.scrub((error as Error).message) };
      }
    }),
  );
  const packs = (await store.keys()).map((k) => ({ provider: k.provider, planId: k.planId, principal: k.principal, units: k.units, lastRemaining: k.lastRemaining, lastTopUpAt: k.lastTopUpAt, purchases: k.purchases }));
  return { at: now(), budget: await ledger.budget(), delegations, plans, packs };
}
