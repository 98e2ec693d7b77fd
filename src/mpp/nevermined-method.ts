import { PaymentSigningError } from '../errors/payment-signing-error.js';
import type { MintRequest } from '../nevermined/client.js';
import type { MppChallenge } from './challenge.js';
import type { MppCredential } from './credential.js';
import type { MppMethodPlugin, MppPayContext } from './plugin.js';
import { neverminedMppRequestSchema, type NeverminedMppRequest } from './schemas.js';

/** The `method` of Nevermined's MPP challenges (realm `api.nevermined.app`, intent `charge`). */
export const NEVERMINED_MPP_METHOD = 'nevermined';

/** What a Nevermined challenge asks: `{ planId, credits, agentId? }`, or undefined when malformed. */
export function neverminedMppRequest(challenge: MppChallenge): NeverminedMppRequest | undefined {
  if (challenge.method !== NEVERMINED_MPP_METHOD) return undefined;
  const parsed = neverminedMppRequestSchema.safeParse(challenge.request);
  return parsed.success ? parsed.data : undefined;
}

export interface NeverminedMppMethodOptions {
  /** Mints the MPP access token: `NeverminedClient.mintMpp` (REST `/api/v1/mpp/permissions`, or SDK 1.11 `payments.mpp.getMppAccessToken`). */
  mint(request: MintRequest, signal?: AbortSignal): Promise<{ accessToken: string }>;
  /** The delegation that backs the payment (the same one x402 uses), or how to get it for a challenge. */
  delegationId: string | ((challenge: MppChallenge, request: NeverminedMppRequest) => Promise<string>);
  /** Token scheme; SDK 1.11 mints `nvm:erc4337` only for MPP. */
  scheme?: string | undefined;
  /** Token network; default `eip155:84532` (sandbox), `eip155:8453` for a live backend. */
  network?: string | undefined;
}

/**
 * Nevermined's MPP method: the credential carries an access token minted for the challenge's plan
 * (and agent), as SDK 1.11's MPP buyer builds it: `payload: { accessToken }`. The challenge names
 * credits, not money: what it may cost is bounded by the delegation, like an x402 Nevermined entry.
 */
export function neverminedMppMethod(options: NeverminedMppMethodOptions): MppMethodPlugin {
  return {
    method: NEVERMINED_MPP_METHOD,
    canHandle: (challenge) => neverminedMppRequest(challenge) !== undefined,
    async createCredential(challenge: MppChallenge, context: MppPayContext): Promise<MppCredential> {
      const request = neverminedMppRequest(challenge);
      if (!request) throw new PaymentSigningError({ scheme: 'mpp:nevermined', network: challenge.intent, reason: 'the challenge request is not { planId, credits, agentId? }' });
      const delegationId = typeof options.delegationId === 'string' ? options.delegationId : await options.delegationId(challenge, request);
      const { accessToken } = await options.mint(
        {
          scheme: options.scheme ?? 'nvm:erc4337',
          network: options.network ?? 'eip155:84532',
          planId: request.planId,
          agentId: request.agentId,
          delegationId,
        },
        context.signal,
      );
      return { payload: { accessToken } };
    },
  };
}

/** The network SDK 1.11 mints MPP tokens for, from the backend URL (live: Base, else Base Sepolia). */
export function neverminedMppNetwork(backendUrl: string): string {
  return /\/\/api\.live\.nevermined\.app/.test(backendUrl) ? 'eip155:8453' : 'eip155:84532';
}
