import type { SettlementReceipt } from '../x402/schemas.js';

const receipts = new WeakMap<Response, SettlementReceipt>();

export function attachReceipt(response: Response, receipt: SettlementReceipt): void {
  receipts.set(response, receipt);
}

/** The decoded settlement receipt of a response paying-fetch paid for, if the seller sent one. */
export function getReceipt(response: Response): SettlementReceipt | undefined {
  return receipts.get(response);
}
