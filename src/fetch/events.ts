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
  /** True when the token was sent before any 402 (a cached token reused). */
  preemptive: boolean;
}

export interface ReceiptEvent {
  url: string;
  method: string;
  status: number;
  planId: string | undefined;
  tokenHash: string;
  /** Decoded `payment-response`; undefined when the seller sent none (a charge may still exist). */
  receipt: SettlementReceipt | undefined;
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
}

export type Listener<E extends keyof PayingFetchEvents> = (event: PayingFetchEvents[E]) => void;

/** A tiny typed emitter; a throwing listener never disturbs a payment. */
export class Emitter {
  readonly #listeners = new Map<keyof PayingFetchEvents, Set<Listener<never>>>();

  on<E extends keyof PayingFetchEvents>(event: E, listener: Listener<E>): () => void {
    const set = this.#listeners.get(event) ?? new Set();
    set.add(listener as Listener<never>);
    this.#listeners.set(event, set);
    return () => set.delete(listener as Listener<never>);
  }

  /** Whether anyone listens: hot paths skip building a payload nobody reads. */
  wants(event: keyof PayingFetchEvents): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<E extends keyof PayingFetchEvents>(event: E, payload: PayingFetchEvents[E]): void {
    if (!this.#listeners.get(event)?.size) return;
    // Events never show a query string: it may carry the caller's own secrets.
    if (typeof (payload as { url?: unknown }).url === 'string') {
      payload = { ...payload, url: publicUrl((payload as { url: string }).url) };
    }
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as Listener<E>)(payload);
      } catch {
        // Listeners are the caller's code: their failures are theirs.
      }
    }
  }
}
