import type { PaymentEngine } from '../engine/payment-engine.js';
import { registerEngine } from '../engine/registry.js';
import { balances, type Balances } from '../insight/balances.js';
import { renderHtmlReport } from '../insight/report-html.js';
import { spendReport, type SpendOptions, type SpendReport } from '../insight/spend.js';
import { reconcile, type ReconcileReport } from '../nevermined/reconcile.js';
import type { BudgetView } from '../policy/ledger.js';
import type { KeyRecord, ReceiptQuery, ReceiptRecord } from '../store/types.js';
import { redactKey } from '../util/redact.js';
import type { Listener, PayingFetchEvents } from './events.js';
import type { PayingRequestInit } from './paying-call.js';

/** fetch, plus what an agent needs to steer itself. */
export interface PayingFetch {
  (input: string | URL | Request, init?: PayingRequestInit): Promise<Response>;
  /** Subscribes to `mint`, `sign`, `payment`, `receipt`, `blocked`, `purchase`, `budget-warning`; returns an unsubscribe function. */
  on<E extends keyof PayingFetchEvents>(event: E, listener: Listener<E>): () => void;
  /** Reserved, committed and remaining cents, in total and per window. */
  budget(): Promise<BudgetView>;
  /** Receipts of paid calls, newest last. */
  receipts(query?: ReceiptQuery): Promise<ReceiptRecord[]>;
  /** Compares the ledger with the backend's delegation transactions. */
  reconcile(): Promise<ReconcileReport>;
  /** Provisioned keys and packs, with the key itself redacted. */
  keys(): Promise<KeyInfo[]>;
  /** What is left: delegations and plan credits from the backend, packs, and the ledger's windows. */
  balances(): Promise<Balances>;
  /** Spend and calls grouped by agent, provider, origin, plan, day or hour, outliers flagged. */
  spend(options: SpendOptions): Promise<SpendReport>;
  /** The self-contained HTML report (charts, burn-down, receipts) as a string. */
  report(options?: { since?: number; title?: string }): Promise<string>;
  /**
   * Writes what is still owed to the store (after a store failure) and closes the store when
   * paying-fetch opened it (the default memory store, the ready-made export's embedded store).
   */
  close(): Promise<void>;
}

export interface KeyInfo extends Omit<KeyRecord, 'apiKey'> {
  /** `exa_…1a2b`: enough to recognise it, useless to spend. */
  key: string;
}

/**
 * Attaches the public facade to the call function, once, for both createPayingFetch and the
 * env-configured export (whose engine is built on first use).
 */
export function withFacade(call: (input: string | URL | Request, init?: PayingRequestInit) => Promise<Response>, engineOf: () => PaymentEngine, ownsStore: boolean): PayingFetch {
  const pay = call as PayingFetch;
  const ledger = () => engineOf().ledger;
  const store = () => ledger().store;
  pay.on = (event, listener) => engineOf().events.on(event, listener);
  pay.budget = () => ledger().budget();
  pay.receipts = (query) => store().receipts(query);
  pay.reconcile = () => reconcile(engineOf().parts.client, ledger(), engineOf().parts.now);
  pay.balances = () => balances(engineOf().parts.client, ledger(), engineOf().parts.now);
  pay.spend = async (options) => spendReport(await store().receipts({ since: options.since }), options);
  pay.report = async (options = {}) =>
    renderHtmlReport({ receipts: await store().receipts({ since: options.since }), budget: await ledger().budget(), generatedAt: engineOf().now(), title: options.title });
  pay.keys = async () => (await store().keys()).map(({ apiKey, ...rest }) => ({ ...rest, key: redactKey(apiKey) }));
  pay.close = async () => {
    await engineOf().parts.backlog.settleUp();
    if (ownsStore) await store().close();
  };
  registerEngine(pay, engineOf);
  return pay;
}
