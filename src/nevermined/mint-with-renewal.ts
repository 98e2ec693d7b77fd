import type { NeverminedClient } from './client.js';
import { delegationEnded, type DelegationManager } from './delegations.js';

/** What to mint for: the chosen `accepts[]` entry. The delegation is chosen here. */
export interface RenewableMintRequest {
  scheme: string;
  network: string;
  planId: string;
  agentId?: string | undefined;
}

export interface MintedToken {
  accessToken: string;
  /** The delegation the token draws on (after a renewal, the new one). */
  delegationId: string;
}

export interface MintDeps {
  client: NeverminedClient;
  delegations: DelegationManager;
}

/**
 * Runs `use` with the delegation in use for `planId`. Only when `use` throws the backend's own
 * verdict that this delegation has ended (`delegationEnded`: a typed backend error from the
 * client, never a seller's or vendor's words) is it retired and `use` tried once more on the
 * delegation that replaces it (renewal stays within the policy's autoRenew consent).
 */
export async function withRenewal<T>(delegations: DelegationManager, planId: string, use: (delegationId: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const first = await delegations.current(planId, signal);
  try {
    return await use(first);
  } catch (error) {
    if (!delegationEnded(error)) throw error;
    await delegations.retire(first);
    return use(await delegations.current(planId, signal));
  }
}

/**
 * Mints an access token for `request` on the current delegation, renewing once when the backend
 * answers that the delegation ended. The one home of "mint, and renew if the delegation is done",
 * for pack purchases and paid HTTP calls alike.
 */
export function mintWithRenewal(deps: MintDeps, request: RenewableMintRequest, signal?: AbortSignal): Promise<MintedToken> {
  const { scheme, network, planId, agentId } = request;
  return withRenewal(
    deps.delegations,
    planId,
    async (delegationId) => ({ accessToken: (await deps.client.mint({ scheme, network, planId, agentId, delegationId }, signal)).accessToken, delegationId }),
    signal,
  );
}
