import type { SettlementReceipt } from '../x402/schemas.js';
import { publicUrl } from '../util/redact.js';

// Events carry one typed state object each (ky-style hooks): adding a field never breaks a
// listener. None of them ever holds a secret: tokens appear only as `tokenHash`.

export interface MintEvent {
  url: string;
  scheme: string;
  network: string;
  planId: string;
  agentId: string | undefined;
  delegationId: string;
  tokenHash: string;
  /** Why a token was minted: none cached yet, the cached one was refused, or tokens are single use. */
  reason: 'first' | 'refused' | 'single-use';
  /** How long the backend took to mint (retries included). */
  durationMs?: number | undefined;
}

/** A payload signed by an x402 scheme plugin (e.g. `exact` on an EVM network), after its price was reserved. */
export interface SignEvent {
  url: string;
  scheme: string;
  network: string;
  /** Atomic units, as the seller asked. */
  amount: string | undefined;
  asset: string | undefined;
  priceCents: number;
  tokenHash: string;
  paymentId: string | undefined;
}

export interface PaymentEvent {
  url: string;
  method: string;
  planId: string | undefined;
  scheme: string;
  tokenHash: string;
  /** True when the token was sent before any 402 (a cached token reused); false for a paid replay. */
  preemptive: boolean;
  /** How long the paid send took, to its answer's headers. */
  durationMs?: number | undefined;
}

export interface ReceiptEvent {
  url: string;
  method: string;
  status: number;
  planId: string | undefined;
  tokenHash: string;
  /** Decoded `payment-response`; undefined when the seller sent none (a charge may still exist). */
  receipt: SettlementReceipt | undefined;
  /** The stored receipt's id (undefined when the store could not write it yet). */
  receiptId?: string | undefined;
  outcome?: 'paid' | 'no-receipt' | 'unknown' | 'no-charge' | undefined;
  /** Cents the card was charged for this call (0 when credits paid), when known. */
  centsCharged?: number | undefined;
  delegationId?: string | undefined;
  scheme?: string | undefined;
  network?: string | undefined;
  agent?: string | undefined;
  tags?: Record<string, string> | undefined;
  /** From the first send of the logical call to this answer. */
  durationMs?: number | undefined;
}

/** A 402 was read and an entry chosen to pay (or none). */
export interface ChallengeEvent {
  url: string;
  x402Version: number;
  /** How many `accepts[]` entries it offered. */
  offered: number;
  chosen: { scheme: string; network: string; planId: string | undefined; priceCents: number | undefined } | undefined;
}

/** A transient failure is tried again (backend call or purchase POST, with the same token). */
export interface RetryEvent {
  what: 'backend' | 'purchase';
  /** What was being done: `mint`, `get delegation`, `buy from exa`, ... */
  action: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  retriesLeft: number;
  /** The least wait before the next attempt (jitter adds up to as much again). */
  delayMs: number;
  reason: string;
}

// The delegation lifecycle and the ledger's moves are described where they happen.
export type { DelegationLifecycleEvent as DelegationEvent } from '../nevermined/delegations.js';
import type { DelegationLifecycleEvent as DelegationEvent } from '../nevermined/delegations.js';
export type { LedgerChange as ReservationEvent } from '../policy/ledger.js';
import type { LedgerChange as ReservationEvent } from '../policy/ledger.js';

/** A call threw a typed error (every paying-fetch error, refusals included): what an alert watches. */
export interface FailedEvent {
  url: string;
  code: string;
  /** The error's base: `policy-refusal`, `payment-failure`, `outcome-unknown`, `configuration`, `store`. */
  kind: string;
  message: string;
  error: Error;
}

/** A vendor rate-limited a call: paying-fetch waits before trying again (never buys for it). */
export interface RateLimitEvent {
  url: string;
  provider: string;
  status: number;
  waitMs: number;
  attempt: number;
}

export interface BlockedEvent {
  url: string;
  status: number;
  /** Machine-readable reason: `unknown-scheme`, `no-delegation`, `invalid-challenge`, ... */
  reason: string;
  detail: string;
  /** The typed error behind the reason, when there is one (e.g. InvalidPaymentDataError). */
  error?: Error;
}

export type { BudgetWarning as BudgetWarningEvent, BudgetReservedWarning as BudgetReservedWarningEvent } from '../policy/ledger.js';
import type { BudgetReservedWarning, BudgetWarning } from '../policy/ledger.js';

export type { PurchaseEvent } from '../providers/key-manager.js';
import type { PurchaseEvent } from '../providers/key-manager.js';

export interface PayingFetchEvents {
  /** What was spent passed policy.budgetWarningPercent of a budget. */
  'budget-warning': BudgetWarning;
  /** Spent plus reserved (open delegations) passed it: new reservations will soon be refused. */
  'budget-reserved-warning': BudgetReservedWarning;
  purchase: PurchaseEvent;
  mint: MintEvent;
  sign: SignEvent;
  payment: PaymentEvent;
  receipt: ReceiptEvent;
  blocked: BlockedEvent;
  challenge: ChallengeEvent;
  retry: RetryEvent;
  delegation: DelegationEvent;
  reservation: ReservationEvent;
  'rate-limit': RateLimitEvent;
  failed: FailedEvent;
}

/** Every event name, for listeners that want them all (debug log, telemetry). */
export const EVENT_NAMES: ReadonlyArray<keyof PayingFetchEvents> = [
  'budget-warning', 'budget-reserved-warning', 'purchase', 'mint', 'sign', 'payment', 'receipt', 'blocked',
  'challenge', 'retry', 'delegation', 'reservation', 'rate-limit', 'failed',
];

export type Listener<E extends keyof PayingFetchEvents> = (event: PayingFetchEvents[E]) => void;

/** A tiny typed emitter; a throwing listener never disturbs a payment. */
export class Emitter {
  readonly #listeners = new Map<keyof PayingFetchEvents, Set<Listener<never>>>();
  /** Passive listeners (telemetry): they count as listening only while `active()` says so. */
  readonly #taps = new Map<keyof PayingFetchEvents, Array<{ listener: Listener<never>; active: () => boolean }>>();

  on<E extends keyof PayingFetchEvents>(event: E, listener: Listener<E>): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener as Listener<never>);
    this.#listeners.set(event, set);
    return () => set.delete(listener as Listener<never>);
  }

  /** A listener that costs nothing while `active()` is false (a diagnostics channel nobody reads). */
  tap<E extends keyof PayingFetchEvents>(event: E, listener: Listener<E>, active: () => boolean): void {
    const taps = this.#taps.get(event) ?? [];
    taps.push({ listener: listener as Listener<never>, active });
    this.#taps.set(event, taps);
  }

  /** Whether anyone listens: hot paths skip building a payload nobody reads. */
  wants(event: keyof PayingFetchEvents): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0 || this.#tapped(event);
  }

  #tapped(event: keyof PayingFetchEvents): boolean {
    const taps = this.#taps.get(event);
    return taps !== undefined && taps.some((t) => t.active());
  }

  emit<E extends keyof PayingFetchEvents>(event: E, payload: PayingFetchEvents[E]): void {
    const listeners = this.#listeners.get(event);
    if (!listeners?.size && !this.#tapped(event)) return;
    // Events never show a query string: it may carry the caller's own secrets.
    if (typeof (payload as { url?: unknown }).url === 'string') {
      payload = Object.assign({}, payload, { url: publicUrl((payload as { url: string }).url) }); // not a spread: V8's slow path on Node 20
    }
    for (const listener of listeners ?? []) call(listener as Listener<E>, payload);
    for (const tap of this.#taps.get(event) ?? []) if (tap.active()) call(tap.listener as Listener<E>, payload);
  }
}

function call<E extends keyof PayingFetchEvents>(listener: Listener<E>, payload: PayingFetchEvents[E]): void {
  try {
    listener(payload);
  } catch {
    // Listeners are the caller's code: their failures are theirs.
  }
}
