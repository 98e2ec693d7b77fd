import { isMppChallengeExpired, type MppChallenge } from '../mpp/challenge.js';
import { neverminedMppRequest, NEVERMINED_MPP_METHOD } from '../mpp/nevermined-method.js';
import { findMppPlugin, type MppMethodPlugin } from '../mpp/plugin.js';
import { priceMppChallengeInCents, type MppCurrencyRates } from '../mpp/price.js';
import { pricedRequestSchema } from '../mpp/schemas.js';
import type { Policy } from '../policy/policy.js';
import type { PaymentRequirement } from '../x402/schemas.js';
import type { MppCandidate } from './scheme-plugins.js';

/** What the engine can pay MPP with. */
export interface MppSelectionContext {
  challenges: ReadonlyArray<MppChallenge>;
  plugins: ReadonlyArray<MppMethodPlugin>;
  /** Nevermined's method with the agent's delegation, on this token network; undefined without one. */
  nevermined: { network: string } | undefined;
  now: number;
}

export interface MppCandidates {
  payable: MppCandidate[];
  /** Priced in a currency nobody named a rate for (`<network>:<currency>`). */
  unknownAssets: string[];
  /** A Nevermined challenge, and no delegation (or no MPP mint) to pay it with. */
  nvmWithoutDelegation: boolean;
  /** Why each other challenge was passed over. */
  skipped: string[];
}

/**
 * The MPP challenges paying-fetch can pay: Nevermined's method with the agent's own delegation
 * (credits: no price, the delegation bounds it), any other method through a plugin and only at a
 * price it can read (a plugin never pays what cannot be reserved). Expired challenges, and ones
 * asking for the credential in a header other than Authorization, are passed over.
 */
export function mppCandidates(ctx: MppSelectionContext, policy: Policy): MppCandidates {
  const out: MppCandidates = { payable: [], unknownAssets: [], nvmWithoutDelegation: false, skipped: [] };
  for (const challenge of ctx.challenges) {
    const label = `mpp:${challenge.method}/${challenge.intent}`;
    if (isMppChallengeExpired(challenge, ctx.now)) {
      out.skipped.push(`${label} (expired)`);
      continue;
    }
    // Only Authorization is origin-bound by send(); another header name is not trusted with a credential.
    if (challenge.credentialHeader !== 'authorization') {
      out.skipped.push(`${label} (credential header ${challenge.credentialHeader})`);
      continue;
    }
    if (challenge.method === NEVERMINED_MPP_METHOD) {
      const request = neverminedMppRequest(challenge);
      if (!request) out.skipped.push(`${label} (request is not { planId, credits })`);
      else if (!ctx.nevermined) out.nvmWithoutDelegation = true;
      else {
        const entry: PaymentRequirement = { scheme: `mpp:${challenge.method}`, network: ctx.nevermined.network, planId: request.planId, ...(request.agentId ? { extra: { agentId: request.agentId } } : {}) };
        out.payable.push({ kind: 'mpp', entry, challenge, plugin: undefined, priceCents: undefined, flow: 'authorization' });
      }
      continue;
    }
    const plugin = findMppPlugin(ctx.plugins, challenge);
    if (!plugin) {
      out.skipped.push(`${label} (no plugin)`);
      continue;
    }
    const network = plugin.network ?? `mpp:${challenge.method}`;
    const priced = pricedRequestSchema.safeParse(challenge.request);
    const priceCents = priceMppChallengeInCents(challenge, ratesFor(network, policy));
    if (!priced.success || priceCents === undefined) {
      out.unknownAssets.push(`${network}:${priced.success ? priced.data.currency.toLowerCase() : '(no amount)'}`);
      continue;
    }
    const recipient = challenge.request.recipient;
    const entry: PaymentRequirement = {
      scheme: `mpp:${challenge.method}`,
      network,
      amount: priced.data.amount,
      asset: priced.data.currency.slice(0, 128),
      ...(typeof recipient === 'string' ? { payTo: recipient.slice(0, 256) } : {}),
      ...(challenge.description === undefined ? {} : { description: challenge.description }),
    };
    out.payable.push({ kind: 'mpp', entry, challenge, plugin, priceCents, flow: 'authorization' });
  }
  return out;
}

/** `policy.assets` entries for this network (`<network>:<currency>`), with their real decimals. */
function ratesFor(network: string, policy: Policy): MppCurrencyRates {
  const prefix = `${network.toLowerCase()}:`;
  const rates: Record<string, { centsPerUnit: number; decimals: number }> = {};
  for (const [key, asset] of Object.entries(policy.assets ?? {})) {
    if (key.startsWith(prefix)) rates[key.slice(prefix.length)] = { centsPerUnit: asset.centsPerUnit, decimals: asset.decimals };
  }
  return rates;
}
