import type { ReceiptEvent } from '../fetch/events.js';
import type { SettlementReceipt } from '../x402/schemas.js';
import type { HeldToken } from './held.js';
import type { Labels } from './recorder.js';

/** What the payer that settled an answer knows of it; the rest of a receipt event is common. */
export type Settled = Pick<ReceiptEvent, 'receiptId' | 'outcome' | 'centsCharged'>;

/**
 * The receipt event of a paid answer, built the same way whichever payer settled it (OpenTelemetry
 * counts the cents from it: two builders had drifted, and MPP spend went uncounted).
 */
export function receiptEvent(
  answer: { url: string; method: string; status: number; startedAt?: number | undefined },
  held: HeldToken,
  receipt: SettlementReceipt | undefined,
  settled: Settled,
  labels: Labels,
  now: number,
): ReceiptEvent {
  return {
    url: answer.url,
    method: answer.method,
    status: answer.status,
    planId: held.entry.planId,
    tokenHash: held.tokenHash,
    receipt,
    receiptId: settled.receiptId,
    outcome: settled.outcome,
    centsCharged: settled.centsCharged,
    delegationId: held.kind === 'scheme' ? undefined : held.delegationId,
    scheme: held.entry.scheme,
    network: held.entry.network,
    agent: labels.agent,
    tags: labels.tags,
    durationMs: answer.startedAt === undefined ? undefined : now - answer.startedAt,
  };
}
