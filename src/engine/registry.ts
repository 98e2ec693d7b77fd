import type { PaymentEngine } from './payment-engine.js';

// Which engine pays for which PayingFetch, for the other transports (MCP) to pay through the same
// policy, ledger and receipts. Module-private: the engine and its raw tokens never appear on the
// public object or in its type.
const engines = new WeakMap<object, () => PaymentEngine>();

export function registerEngine(pay: object, engine: () => PaymentEngine): void {
  engines.set(pay, engine);
}

/** The engine behind a PayingFetch made by createPayingFetch (or the ready-made payingFetch). */
export function engineOf(pay: object): PaymentEngine {
  const engine = engines.get(pay);
  if (!engine) throw new TypeError('not a PayingFetch created by createPayingFetch');
  return engine();
}
