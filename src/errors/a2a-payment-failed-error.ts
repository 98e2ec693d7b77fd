import { publicUrl } from '../util/redact.js';
import { PaymentFailureError } from './payment-failure-error.js';

/**
 * An A2A agent answered a payment with `x402.payment.status: "payment-failed"`. `agentCode` is the
 * agent's `x402.payment.error` (e.g. `EXPIRED_PAYMENT`, `INSUFFICIENT_FUNDS`): a claim, shown as
 * said. A signed payload handed over still counts until reconcile() proves it unsettled.
 */
export class A2APaymentFailedError extends PaymentFailureError {
  readonly url: string;
  readonly taskId: string | undefined;
  readonly agentCode: string;
  readonly reason: string | undefined;

  constructor(facts: { url: string; taskId?: string | undefined; agentCode: string; reason?: string | undefined }) {
    super('A2A_PAYMENT_FAILED', `The agent at ${publicUrl(facts.url)} reported the payment failed: ${facts.agentCode}` + (facts.reason ? ` (${facts.reason})` : ''));
    this.url = publicUrl(facts.url);
    this.taskId = facts.taskId;
    this.agentCode = facts.agentCode;
    this.reason = facts.reason;
  }
}
