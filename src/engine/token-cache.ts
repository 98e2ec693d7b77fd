import type { PaymentRequirement } from '../x402/schemas.js';
import type { HeldNvmToken } from './held.js';
import { urlParts } from '../util/url-parts.js';

export interface RouteMemory {
  entry: PaymentRequirement;
  x402Version: number;
  /** The token cache key last computed for this route, with the delegation it was for. */
  lastKey?: { delegationId: string; key: string } | undefined;
}

const MAX_ENTRIES = 1000;

/** Map with a size cap: the oldest entry goes first (tokens are cheap to mint again). */
class BoundedMap<V> extends Map<string, V> {
  override set(key: string, value: V): this {
    this.delete(key);
    super.set(key, value);
    if (this.size > MAX_ENTRIES) this.delete(this.keys().next().value as string);
    return this;
  }
}

/** The cache key of a reusable token (issue #2): who pays, to whom, for what, with which delegation. */
export function tokenKey(parts: {
  backendId: string;
  principal: string;
  origin: string;
  entry: PaymentRequirement;
  delegationId: string;
}): string {
  const { entry } = parts;
  return JSON.stringify([parts.backendId, parts.principal, parts.origin, entry.planId, entry.extra?.agentId ?? null, entry.scheme, entry.network, parts.delegationId]);
}

/** Reusable tokens, and which plan each origin (and path) asked for, so tokens can be sent up front. */
export class TokenCache {
  readonly #tokens = new BoundedMap<HeldNvmToken>();
  readonly #routes = new BoundedMap<RouteMemory>();
  /** The last URL recalled (agents call the same URL over and over): no parse, no lookups. */
  #last: { url: string; memory: RouteMemory } | undefined;

  get(key: string): HeldNvmToken | undefined {
    return this.#tokens.get(key);
  }

  put(held: HeldNvmToken): void {
    this.#tokens.set(held.key, held);
  }

  /** Drops a refused token (only if it is still the one cached: a newer one may have replaced it). */
  drop(held: HeldNvmToken): void {
    if (this.#tokens.get(held.key)?.token === held.token) this.#tokens.delete(held.key);
  }

  /** Every cached token for `origin`: redacted from whatever a seller says (it may echo them). */
  tokensFor(origin: string): string[] {
    const out: string[] = [];
    for (const held of this.#tokens.values()) if (held.origin === origin) out.push(held.token);
    return out;
  }

  remember(url: string, memory: RouteMemory): void {
    this.#last = undefined;
    const { origin, pathname } = urlParts(url);
    this.#routes.set(origin + pathname, memory);
    this.#routes.set(origin, memory);
  }

  /** What the route (else the origin) asked for last time. */
  recall(url: string): RouteMemory | undefined {
    if (this.#routes.size === 0) return undefined; // nothing paid yet: no URL to parse
    if (this.#last?.url === url) return this.#last.memory;
    const { origin, pathname } = urlParts(url);
    const memory = this.#routes.get(origin + pathname) ?? this.#routes.get(origin);
    if (memory) this.#last = { url, memory };
    return memory;
  }
}
