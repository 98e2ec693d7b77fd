import type { MppChallenge } from '../mpp/challenge.js';
import type { MppMethodPlugin } from '../mpp/plugin.js';
import type { PaymentRequired, PaymentRequirement } from '../x402/schemas.js';

/**
 * A standard x402 scheme client: structurally the `SchemeNetworkClient` of `@x402/core` (e.g.
 * `new ExactEvmScheme(signer)` from `@x402/evm/exact/client`), so those packages stay optional.
 */
export interface SchemeClientLike {
  readonly scheme: string;
  createPaymentPayload(x402Version: number, requirements: never, context?: { extensions?: Record<string, unknown> }): Promise<unknown>;
}

/** A scheme client for one network (CAIP-2 like `eip155:8453`, or a v1 name like `base`). */
export interface SchemePlugin {
  network: string;
  client: SchemeClientLike;
}

/** A payable `accepts[]` entry or MPP challenge, with how it would be paid and what it costs. */
export type Candidate = NeverminedCandidate | SchemeCandidate | MppCandidate;

/** Paid with a Nevermined token: the delegation bounds what it can cost, so no price here. */
export interface NeverminedCandidate {
  kind: 'nvm';
  entry: PaymentRequirement;
  plugin?: undefined;
  priceCents: undefined;
  flow: string;
}

/** Paid with a payload a scheme plugin signs, at a known price. */
export interface SchemeCandidate {
  kind: 'scheme';
  entry: PaymentRequirement;
  plugin: SchemePlugin;
  /** Whole cents, rounded up. */
  priceCents: number;
  flow: string;
}

/**
 * A `WWW-Authenticate: Payment` challenge (MPP) paying-fetch can pay. `entry` describes it in x402
 * terms, so policy lists, receipts, events and `selectRequirement` hooks read it like any other:
 * scheme `mpp:<method>` (e.g. `mpp:nevermined`, `mpp:test`), network the plugin's (Nevermined: the
 * token network; else `mpp:<method>`), `planId` (Nevermined), `amount`/`asset` (priced requests).
 */
export interface MppCandidate {
  kind: 'mpp';
  entry: PaymentRequirement;
  challenge: MppChallenge;
  /** The method plugin that pays it; undefined: Nevermined's method with the agent's delegation. */
  plugin: MppMethodPlugin | undefined;
  /** Whole cents, rounded up; undefined for Nevermined's method (credits, bounded by the delegation). */
  priceCents: number | undefined;
  /** Ranked as `authorization`: a credential made now, settled by the seller (like an x402 exact payload). */
  flow: string;
}

/**
 * Picks one entry among the payable ones (already filtered by the policy); undefined declines.
 * `challenge` is the x402 challenge (with no `accepts` when the 402 offered MPP only); `offers`
 * lists every MPP challenge of the 402, payable or not.
 */
export type SelectRequirement = (candidates: ReadonlyArray<Candidate>, challenge: PaymentRequired, offers?: { mpp: ReadonlyArray<MppChallenge> }) => Candidate | undefined;

/** Asked when a seller answers 412 permit2_allowance_required; return true once the allowance is set. */
export type OnPermit2AllowanceRequired = (facts: { url: string; entry: PaymentRequirement }) => Promise<boolean>;
