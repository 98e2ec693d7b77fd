import type { NeverminedClient } from '../nevermined/client.js';
import type { Store } from '../store/types.js';
import { fingerprint } from '../util/hash.js';
import { SingleFlight } from '../util/single-flight.js';
import { isSingleUseToken } from '../x402/access-token.js';
import { paymentHeaderName } from '../x402/payment-header.js';
import type { PaymentRequirement } from '../x402/schemas.js';
import type { Emitter, MintEvent } from '../fetch/events.js';
import type { HeldNvmToken } from './held.js';
import { tokenKey, type TokenCache } from './token-cache.js';
import { originOf } from '../util/url-parts.js';

export const NEVERMINED_SCHEMES: ReadonlyArray<string> = ['nvm:card-delegation', 'nvm:erc4337'];

function sameEntry(a: PaymentRequirement, b: PaymentRequirement): boolean {
  return a.scheme === b.scheme && a.network === b.network && a.planId === b.planId && a.extra?.agentId === b.extra?.agentId;
}

/** Mints Nevermined tokens for 402 entries and reuses them while they are accepted. */
export class NeverminedPayer {
  readonly #flights = new SingleFlight<HeldNvmToken>();
  /** Keys whose tokens turned out single use (v3): never reused, minted per call. */
  readonly #singleUse = new Set<string>();

  constructor(
    private readonly client: NeverminedClient,
    private readonly cache: TokenCache,
    private readonly events: Emitter,
    /** Durable copy of reusable tokens, so a restarted process does not mint again. */
    private readonly secrets?: { store: Store; now: () => number; ttlMs: number },
  ) {}

  /** A cached token to send before any 402, when this route asked for a plan we hold one for. */
  preemptive(url: string, delegationFor: (planId: string | undefined) => string | undefined): HeldNvmToken | undefined {
    const memory = this.cache.recall(url);
    const delegationId = memory && delegationFor(memory.entry.planId);
    if (!memory || !delegationId) return undefined;
    if (memory.lastKey?.delegationId !== delegationId) {
      memory.lastKey = { delegationId, key: this.#key(originOf(url), memory.entry, delegationId) };
    }
    return this.cache.get(memory.lastKey.key);
  }

  /** Cached tokens for `origin`, to redact from a seller's words. */
  tokensFor(origin: string): string[] {
    return this.cache.tokensFor(origin);
  }

  /** True when `held` was sent for exactly what this 402 asks: the seller refused that token. */
  refused(held: HeldNvmToken, url: string, entry: PaymentRequirement): boolean {
    return held.origin === originOf(url) && sameEntry(held.entry, entry);
  }

  drop(held: HeldNvmToken): void {
    this.cache.drop(held);
    this.secrets?.store.deleteSecret(held.key).catch(() => {});
  }

  /** A token for `entry` at `url`'s origin: cached if one is, else minted once for all concurrent callers. */
  async acquire(
    entry: PaymentRequirement,
    x402Version: number,
    url: string,
    delegationId: string,
    refused: HeldNvmToken | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HeldNvmToken> {
    const origin = originOf(url);
    const key = this.#key(origin, entry, delegationId);
    this.cache.remember(url, { entry, x402Version });
    const cached = this.cache.get(key) ?? (await this.#fromStore(key));
    if (cached && cached.token !== refused?.token) return cached;

    const reason: MintEvent['reason'] = refused ? 'refused' : this.#singleUse.has(key) ? 'single-use' : 'first';
    const mint = () => this.#mint(key, origin, entry, x402Version, delegationId, url, reason, signal);
    if (this.#singleUse.has(key)) return mint();
    const { value, shared } = await this.#flights.run(key, mint);
    // A single-use token cannot serve two calls: a caller that joined the flight mints its own.
    return shared && this.#singleUse.has(key) ? mint() : value;
  }

  async #mint(
    key: string,
    origin: string,
    entry: PaymentRequirement,
    x402Version: number,
    delegationId: string,
    url: string,
    reason: MintEvent['reason'],
    signal: AbortSignal | undefined,
  ): Promise<HeldNvmToken> {
    const planId = entry.planId as string;
    const agentId = entry.extra?.agentId;
    const started = Date.now();
    const { accessToken } = await this.client.mint({ scheme: entry.scheme, network: entry.network, planId, agentId, delegationId }, signal);
    const held: HeldNvmToken = { kind: 'nvm', token: accessToken, headerName: paymentHeaderName(x402Version), tokenHash: fingerprint(accessToken), key, origin, entry, x402Version, delegationId };
    if (isSingleUseToken(accessToken)) this.#singleUse.add(key);
    else {
      this.cache.put(held);
      if (this.secrets) await this.secrets.store.putSecret(key, JSON.stringify(held), this.secrets.now() + this.secrets.ttlMs);
    }
    this.events.emit('mint', { url, scheme: entry.scheme, network: entry.network, planId, agentId, delegationId, tokenHash: held.tokenHash, reason, durationMs: Date.now() - started });
    return held;
  }

  async #fromStore(key: string): Promise<HeldNvmToken | undefined> {
    if (!this.secrets) return undefined;
    const json = await this.secrets.store.getSecret(key, this.secrets.now());
    if (!json) return undefined;
    const held = JSON.parse(json) as HeldNvmToken;
    this.cache.put(held);
    return held;
  }

  #key(origin: string, entry: PaymentRequirement, delegationId: string): string {
    return tokenKey({ backendId: this.client.backendId, principal: this.client.principal, origin, entry, delegationId });
  }
}
