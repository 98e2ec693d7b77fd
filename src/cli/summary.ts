import type { BlockedEvent } from '../fetch/events.js';
import type { ReceiptRecord } from '../store/types.js';
import type { SettlementReceipt } from '../x402/schemas.js';
import { dollars } from './format.js';

/** What one invocation of `paying-fetch fetch` did, for the summary line and --json. */
export interface CallFacts {
  status: number;
  statusText: string;
  minted: number;
  purchases: number;
  retries: number;
  records: ReceiptRecord[];
  receipt: SettlementReceipt | undefined;
  blocked: Pick<BlockedEvent, 'reason' | 'detail'> | undefined;
  hint: string | undefined;
  /** What may still be spent: under --budget-cents, or in the policy's tightest window. */
  left: { cents: number; of: string } | undefined;
}

export const chargedCents = (facts: CallFacts) => facts.records.reduce((sum, r) => sum + (r.amountCents ?? 0), 0);

/** One line: `200 OK · minted 1 token · charged $1.00 · receipt 0x… · $17.00 left of --budget-cents 1800`. */
export function summaryLine(facts: CallFacts): string {
  const parts = [`${facts.status} ${facts.statusText}`.trim()];
  if (facts.blocked) parts.push(`not paid: ${facts.blocked.reason} (${facts.blocked.detail})`);
  else parts.push(facts.minted ? `minted ${facts.minted} token${facts.minted > 1 ? 's' : ''}` : 'no mint');
  if (facts.purchases) parts.push(`bought ${facts.purchases} pack${facts.purchases > 1 ? 's' : ''}`);
  if (facts.retries) parts.push(`${facts.retries} retr${facts.retries > 1 ? 'ies' : 'y'}`);
  if (facts.records.length) parts.push(chargedCents(facts) ? `charged ${dollars(chargedCents(facts))}` : 'paid from credits');
  if (facts.receipt?.transaction) parts.push(`receipt ${facts.receipt.transaction}`);
  if (facts.left) parts.push(`${dollars(facts.left.cents)} left ${facts.left.of}`);
  return `paying-fetch: ${parts.join(' · ')}${facts.hint ? `\npaying-fetch: hint: ${facts.hint}` : ''}\n`;
}

/** The `payment` object of --json (fields are only ever added). */
export function paymentJson(facts: CallFacts) {
  return {
    minted: facts.minted,
    purchases: facts.purchases,
    retries: facts.retries,
    paid: facts.records.length > 0,
    chargedCents: chargedCents(facts),
    receipt: facts.receipt ?? null,
    receipts: facts.records.map(({ id, path, origin, planId, orderTx, amountCents, outcome, provider }) => ({ id, origin, path, planId, orderTx, amountCents, outcome, provider })),
    budgetRemainingCents: facts.left?.cents ?? null,
    budgetRemainingOf: facts.left?.of ?? null,
    blocked: facts.blocked ? { reason: facts.blocked.reason, detail: facts.blocked.detail } : null,
    hint: facts.hint ?? null,
  };
}
