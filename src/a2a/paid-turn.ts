import { A2APaymentFailedError } from '../errors/a2a-payment-failed-error.js';
import { InvalidPaymentDataError } from '../errors/invalid-payment-required-error.js';
import { PaymentRejectedError } from '../errors/payment-rejected-error.js';
import type { HeldToken } from '../engine/held.js';
import type { PaymentEngine } from '../engine/payment-engine.js';
import { decodeBase64Text } from '../util/base64.js';
import { randomId } from '../util/random-id.js';
import { safeJsonParse } from '../util/safe-json.js';
import { originOf } from '../util/url-parts.js';
import type { A2AItem } from './a2a-shapes.js';
import { readRequired, readSignal, X402_A2A_KEYS } from './x402-metadata.js';

/** A fresh payment after a refusal, once: never more than this many payments for one message. */
const MAX_PAYMENTS = 2;
const METHOD = 'A2A';

/** What a paid answer meant. */
export type Verdict = 'settled' | 'asks-again' | 'pending';

/** An answer asking to be paid: a task (or its status) `input-required` with `payment-required`. */
export function asksPayment(item: A2AItem): boolean {
  return (item.kind === 'task' || item.kind === 'status-update') && item.state === 'input-required' && readSignal(item.metadata).status === 'payment-required';
}

/** The PaymentPayload object for `x402.payment.payload`: the held header value decoded (Nevermined: the access token). */
function payloadOf(held: HeldToken): unknown {
  const json = decodeBase64Text(held.token);
  return (json && safeJsonParse(json)) ?? { token: held.token };
}

/**
 * The payment of one message to an agent, through the engine every transport shares: at most two
 * payments (a fresh one after a refusal), every answer after a payment settles it, refuses it, or
 * leaves it unknown. A payment handed over stays counted until an answer proves otherwise.
 */
export class PaidTurn {
  #held: HeldToken | undefined;
  #refused: HeldToken | undefined;
  /** Paid and not yet settled, refused or recorded unknown. */
  #owing = false;
  #payments = 0;
  #sentAt = 0;
  readonly #sent: string[] = [];
  readonly #paymentId = randomId();

  constructor(
    private readonly engine: PaymentEngine,
    private readonly resource: string,
  ) {}

  get owing(): boolean {
    return this.#owing;
  }

  /** Pays what a payment-required answer asks; returns the metadata of the follow-up message. */
  async pay(item: A2AItem): Promise<Record<string, unknown>> {
    const challenge = readRequired(item.metadata); // malformed or oversized: a typed error, nothing paid
    if (!item.taskId) throw new InvalidPaymentDataError({ source: 'A2A payment-required task', reason: 'no task id to answer' });
    if (this.#payments >= MAX_PAYMENTS) {
      throw new PaymentRejectedError({ url: this.resource, status: 402, sellerMessage: challenge.error && this.#scrub(challenge.error) });
    }
    const selection = await this.engine.choose(challenge, this.resource);
    if (selection.kind === 'unpayable') throw new PaymentRejectedError({ url: this.resource, status: 402, sellerMessage: selection.detail });
    const held = await this.engine.authorize(selection.candidate, challenge, this.resource, { refused: this.#refused, paymentId: () => this.#paymentId });
    this.#held = held;
    this.#payments += 1;
    this.#sent.push(held.token);
    // Handed over from here on: whatever happens next settles it, refuses it, or leaves it unknown.
    this.#owing = true;
    this.#sentAt = this.engine.now();
    const { events } = this.engine;
    if (events.wants('payment')) events.emit('payment', { url: this.resource, method: METHOD, planId: held.entry.planId, scheme: held.entry.scheme, tokenHash: held.tokenHash, preemptive: false });
    return { [X402_A2A_KEYS.status]: 'payment-submitted', [X402_A2A_KEYS.payload]: payloadOf(held) };
  }

  /**
   * An answer to a paid message. Settles on completion, a `payment-completed` receipt or a deferred
   * (batched) settlement; `payment-failed` is a typed error; asking again is a refusal.
   */
  async observe(item: A2AItem): Promise<Verdict> {
    const held = this.#held!;
    const signal = readSignal(item.metadata);
    if (asksPayment(item)) {
      await this.#refusal(held, undefined);
      return 'asks-again';
    }
    if (signal.status === 'payment-failed') {
      await this.#refusal(held, signal.errorCode);
      const reason = signal.receipt?.errorReason;
      throw new A2APaymentFailedError({ url: this.resource, taskId: item.taskId, agentCode: signal.errorCode ?? 'UNSPECIFIED', reason: reason && this.#scrub(reason).slice(0, 300) });
    }
    if (signal.receiptInvalid) {
      this.engine.events.emit('blocked', { url: this.resource, status: 0, reason: 'invalid-receipt', detail: `malformed or oversized ${X402_A2A_KEYS.receipts} from the agent` });
    }
    const accepted = signal.status === 'payment-completed' || (signal.status === 'payment-verified' && signal.deferred);
    const interrupted = (item.state === 'input-required' || item.state === 'auth-required') && signal.status === 'payment-verified';
    if (accepted || interrupted || item.state === 'completed' || item.kind === 'message') {
      this.#owing = false;
      const status = signal.receipt?.success === false ? 402 : 200;
      await this.engine.settle({ url: this.resource, method: METHOD, status, receipt: signal.receipt }, held);
      return 'settled';
    }
    if (item.state === 'failed' || item.state === 'rejected' || item.state === 'canceled') {
      throw await this.unknown(new Error(`the task ended ${item.state} after payment`));
    }
    return 'pending';
  }

  /** No answer settled the payment: recorded unknown (it may have been charged), as a typed error. */
  async unknown(cause: unknown): Promise<Error> {
    this.#owing = false;
    return this.engine.unknown(this.resource, METHOD, this.#held!, this.#sentAt, 0, cause);
  }

  /** The agent refused a payment handed over: a signed payload stays counted; a token is dropped. */
  async #refusal(held: HeldToken, said: string | undefined): Promise<void> {
    this.#owing = false;
    this.#refused = held;
    await this.engine.keepUnsettled(held, this.resource, METHOD, 402);
    if (held.kind === 'nvm') await this.engine.sellerRefused(held, said);
  }

  #scrub(text: string): string {
    return this.engine.redactor(originOf(this.resource), this.#sent)(text);
  }
}
