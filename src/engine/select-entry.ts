import { PolicyDeniedError } from '../errors/policy-denied-error.js';
import { assertAllowed, type Policy } from '../policy/policy.js';
import { assetKey, priceInCents } from '../x402/assets.js';
import { paymentFlowOf } from '../x402/payment-payload.js';
import type { PaymentRequired } from '../x402/schemas.js';
import { mppCandidates, type MppSelectionContext } from './mpp-candidates.js';
import { NEVERMINED_SCHEMES } from './nevermined-payer.js';
import type { Candidate, SchemePlugin, SelectRequirement } from './scheme-plugins.js';

const FLOW_RANK: Record<string, number> = { authorization: 0, upfront: 1 };

export type Selection =
  | { kind: 'chosen'; candidate: Candidate }
  /** Nothing here can be paid: the 402 goes back to the caller with this reason. */
  | { kind: 'unpayable'; reason: string; detail: string };

export interface SelectionContext {
  origin: string;
  policy: Policy;
  nevermined: boolean;
  plugins: ReadonlyArray<SchemePlugin>;
  select?: SelectRequirement | undefined;
  /** The 402's MPP challenges and what can pay them (src/engine/mpp-candidates.ts). */
  mpp?: MppSelectionContext | undefined;
}

/**
 * Chooses the entry to pay: what paying-fetch can pay (a delegation for Nevermined schemes, a
 * plugin for the scheme and network), what the policy allows (lists, known assets), the
 * `authorization` flow before `upfront`, then the cheapest; a user hook has the last word.
 * MPP challenges (`ctx.mpp`) compete under the same rules, after x402 entries on a tie (a
 * Nevermined seller offering both is paid over x402, whose tokens are reusable).
 * The policy is checked on exactly the entry returned.
 */
export function selectEntry(challenge: PaymentRequired, ctx: SelectionContext): Selection {
  const payable: Candidate[] = [];
  const unknownAssets: string[] = [];
  let nvmWithoutDelegation = false;
  for (const entry of challenge.accepts) {
    const flow = paymentFlowOf(entry);
    if (!(flow in FLOW_RANK)) continue; // a flow this client does not know (e.g. escrow)
    if (NEVERMINED_SCHEMES.includes(entry.scheme) && entry.planId !== undefined) {
      if (ctx.nevermined) payable.push({ entry, kind: 'nvm', priceCents: undefined, flow });
      else nvmWithoutDelegation = true;
      continue;
    }
    const plugin = ctx.plugins.find((p) => p.network === entry.network && p.client.scheme === entry.scheme);
    if (!plugin) continue;
    const priceCents = priceInCents(entry, ctx.policy.assets ?? {});
    if (priceCents === undefined) {
      unknownAssets.push(assetKey(entry) ?? `${entry.network}:(no asset)`);
      continue;
    }
    payable.push({ entry, kind: 'scheme', plugin, priceCents, flow });
  }
  const mpp = ctx.mpp ? mppCandidates(ctx.mpp, ctx.policy) : undefined;
  if (mpp) {
    payable.push(...mpp.payable);
    unknownAssets.push(...mpp.unknownAssets);
    nvmWithoutDelegation ||= mpp.nvmWithoutDelegation;
  }

  const allowed: Candidate[] = [];
  let denial: PolicyDeniedError | undefined;
  for (const candidate of payable) {
    try {
      assertAllowed(ctx.policy, { origin: ctx.origin, planId: candidate.entry.planId, scheme: candidate.entry.scheme, network: candidate.entry.network });
      allowed.push(candidate);
    } catch (error) {
      denial ??= error as PolicyDeniedError;
    }
  }
  if (allowed.length === 0) {
    if (denial) throw denial;
    if (unknownAssets.length) throw new PolicyDeniedError({ rule: 'assets', value: unknownAssets[0]! });
    if (nvmWithoutDelegation) return { kind: 'unpayable', reason: 'no-delegation', detail: 'no delegationId or paymentMethodId configured to pay with' };
    const offered = [...challenge.accepts.map((a) => `${a.scheme}@${a.network}`), ...(mpp?.skipped ?? [])];
    return { kind: 'unpayable', reason: 'unknown-scheme', detail: `no payable scheme among: ${offered.join(', ')}` };
  }

  allowed.sort((a, b) => FLOW_RANK[a.flow]! - FLOW_RANK[b.flow]! || (a.priceCents ?? Number.MAX_SAFE_INTEGER) - (b.priceCents ?? Number.MAX_SAFE_INTEGER));
  const picked = ctx.select ? (ctx.mpp ? ctx.select(allowed, challenge, { mpp: ctx.mpp.challenges }) : ctx.select(allowed, challenge)) : allowed[0];
  if (!picked) return { kind: 'unpayable', reason: 'declined', detail: 'selectRequirement declined every entry' };
  if (!allowed.includes(picked)) throw new PolicyDeniedError({ rule: 'selectRequirement', value: 'an entry that was not offered as payable' });
  return { kind: 'chosen', candidate: picked };
}
