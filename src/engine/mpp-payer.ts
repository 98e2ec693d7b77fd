import { isPolicyRefusal } from '../errors/bases.js';
import { PaymentSigningError } from '../errors/payment-signing-error.js';
import { encodeCredential } from '../mpp/credential.js';
import { neverminedMppMethod } from '../mpp/nevermined-method.js';
import { decodeMppReceipt, mppReceiptOutcome, type MppReceipt } from '../mpp/receipt.js';
import type { NeverminedClient } from '../nevermined/client.js';
import type { DelegationManager } from '../nevermined/delegations.js';
import { withRenewal } from '../nevermined/mint-with-renewal.js';
import type { Ledger } from '../policy/ledger.js';
import { assertAllowed, type Policy } from '../policy/policy.js';
import type { ReceiptRecord } from '../store/types.js';
import { fingerprint } from '../util/hash.js';
import { originOf } from '../util/url-parts.js';
import type { SettlementReceipt } from '../x402/schemas.js';
import type { Emitter } from '../fetch/events.js';
import { attachReceipt } from '../fetch/receipts.js';
import type { Backlog, OwedWrite } from './backlog.js';
import type { HeldMppCredential } from './mpp-held.js';
import { receiptEvent } from './receipt-event.js';
import type { Labels, Recorder } from './recorder.js';
import type { MppCandidate } from './scheme-plugins.js';

export interface MppPayerParts {
  client: NeverminedClient;
  ledger: Ledger;
  policy: Policy;
  delegations: DelegationManager | undefined;
  recorder: Recorder;
  backlog: Backlog;
  events: Emitter;
  now: () => number;
}

/** What an MPP answer came to, as the engine's `settle` reports it. */
export type MppSettled = 'settled' | 'unknown';

/**
 * Pays MPP challenges (`WWW-Authenticate: Payment`) under the same rules as x402: a priced
 * challenge is reserved before its plugin is asked for a credential (released only if nothing was
 * made); Nevermined's method mints on the agent's delegation (renewed once on the backend's own
 * verdict). A credential is single use and counts from the moment it is handed over: accepted, it
 * is committed with its `Payment-Receipt`; presented and not accepted, it stays `unknown`.
 */
export class MppPayer {
  constructor(private readonly parts: MppPayerParts) {}

  /** A credential for exactly this challenge, its price reserved first. Nothing is sent here. */
  async pay(candidate: MppCandidate, url: string, context: { httpMethod: string; signal?: AbortSignal | undefined }): Promise<HeldMppCredential> {
    const { ledger, policy } = this.parts;
    const { entry, challenge, priceCents } = candidate;
    const origin = originOf(url);
    const what = `Paying ${origin}`;
    assertAllowed(policy, { origin, planId: entry.planId, scheme: entry.scheme, network: entry.network });
    await ledger.assertCapsOpen(origin, entry.planId, what);
    if (candidate.plugin === undefined) return this.#nevermined(candidate, url, origin, context);

    const reservation = await ledger.reserve({ kind: 'purchase', amountCents: priceCents!, origin, planId: entry.planId, note: 'mpp', what: `${what} (${entry.scheme}, ${challenge.intent})` });
    let credential;
    try {
      credential = await candidate.plugin.createCredential(challenge, { url, httpMethod: context.httpMethod, signal: context.signal });
    } catch (error) {
      await ledger.release(reservation.id); // the plugin made nothing
      if (error instanceof PaymentSigningError || isPolicyRefusal(error)) throw error;
      throw new PaymentSigningError({ scheme: entry.scheme, network: entry.network, reason: (error as Error).message.slice(0, 200) });
    }
    let header: { name: string; value: string };
    try {
      header = encodeCredential(challenge, credential);
    } catch (error) {
      // A credential was made (creating one may move money) but cannot be sent: it stays counted.
      await ledger.markUnknown(reservation.id);
      throw new PaymentSigningError({ scheme: entry.scheme, network: entry.network, reason: (error as Error).message.slice(0, 200) });
    }
    const held = this.#held(candidate, origin, header, { reservationId: reservation.id, delegationId: undefined, secrets: [] });
    this.parts.events.emit('sign', { url, scheme: entry.scheme, network: entry.network, amount: entry.amount, asset: entry.asset, priceCents: priceCents!, tokenHash: held.tokenHash, paymentId: undefined });
    return held;
  }

  /** Nevermined's method: credits, bounded by the delegation (reserved by the delegation manager). */
  async #nevermined(candidate: MppCandidate, url: string, origin: string, context: { httpMethod: string; signal?: AbortSignal | undefined }): Promise<HeldMppCredential> {
    const { client, delegations, ledger } = this.parts;
    const { entry, challenge } = candidate;
    const mintMpp = client.mintMpp?.bind(client);
    if (!delegations || !mintMpp) throw new PaymentSigningError({ scheme: entry.scheme, network: entry.network, reason: 'no Nevermined delegation or MPP mint configured' });
    await ledger.assertWithinBudget(`Paying ${origin}`);
    let accessToken = '';
    const made = await withRenewal(
      delegations,
      entry.planId!,
      async (delegationId) => {
        const method = neverminedMppMethod({ delegationId, network: entry.network, mint: async (request, signal) => ({ accessToken: (accessToken = (await mintMpp(request, signal)).accessToken) }) });
        return { delegationId, credential: await method.createCredential(challenge, { url, httpMethod: context.httpMethod, signal: context.signal }) };
      },
      context.signal,
    );
    const header = encodeCredential(challenge, made.credential);
    const held = this.#held(candidate, origin, header, { reservationId: undefined, delegationId: made.delegationId, secrets: [accessToken] });
    this.parts.events.emit('mint', { url, scheme: entry.scheme, network: entry.network, planId: entry.planId!, agentId: entry.extra?.agentId, delegationId: made.delegationId, tokenHash: fingerprint(accessToken), reason: 'single-use' });
    return held;
  }

  #held(candidate: MppCandidate, origin: string, header: { name: string; value: string }, rest: Pick<HeldMppCredential, 'reservationId' | 'delegationId' | 'secrets'>): HeldMppCredential {
    return {
      kind: 'mpp',
      token: header.value,
      headerName: header.name,
      tokenHash: fingerprint(header.value),
      origin,
      entry: candidate.entry,
      x402Version: 0,
      challengeId: candidate.challenge.id,
      priceCents: candidate.priceCents,
      ...rest,
    };
  }

  /**
   * A paid request answered. Accepted (below 400, or a receipt saying `success`): the price is
   * committed and the receipt recorded. A 5xx without a receipt: 'unknown' (the caller raises it).
   * Anything else: presented and not accepted, it stays counted as `unknown`.
   */
  async settle(answer: { url: string; method: string; status: number; headers?: Headers | undefined; response?: Response | undefined; startedAt?: number | undefined }, held: HeldMppCredential, labels: Labels): Promise<MppSettled> {
    let receipt: MppReceipt | undefined;
    try {
      receipt = answer.headers ? decodeMppReceipt(answer.headers) : undefined;
    } catch (error) {
      this.parts.events.emit('blocked', { url: answer.url, status: answer.status, reason: 'invalid-receipt', detail: (error as Error).message });
    }
    if (!receipt && answer.status >= 500) return 'unknown';
    const success = receipt !== undefined && mppReceiptOutcome(receipt) === 'success';
    if (!(answer.status < 400 || success)) {
      await this.keepUnsettled(held, answer.url, answer.method, answer.status, labels);
      return 'settled';
    }
    // A receipt is the seller's claim: recorded as said, never a reason to release anything.
    const settlement: SettlementReceipt | undefined = receipt && { success, transaction: receipt.reference.slice(0, 256), network: held.entry.network };
    if (settlement && answer.response) attachReceipt(answer.response, settlement);
    const record = this.parts.recorder.unknownRecord(answer.url, answer.method, held, this.parts.now(), answer.status, labels);
    this.annotate(record, held);
    record.outcome = receipt ? 'paid' : 'no-receipt';
    if (receipt) record.transaction = receipt.reference.slice(0, 256);
    if (held.priceCents !== undefined) record.amountCents = held.priceCents;
    const writes: OwedWrite[] = [];
    if (held.reservationId) writes.push({ what: 'commit', write: () => this.parts.ledger.commit(held.reservationId!) });
    writes.push({ what: 'appendReceipt', write: () => this.parts.recorder.write(record) });
    const written = await this.#record(answer.url, writes);
    if (this.parts.events.wants('receipt')) {
      const settled = { receiptId: written ? record.id : undefined, outcome: record.outcome, centsCharged: record.amountCents };
      this.parts.events.emit('receipt', receiptEvent(answer, held, settlement, settled, labels, this.parts.now()));
    }
    return 'settled';
  }

  /** Presented and not accepted (a 402, a 4xx, an answer from elsewhere): it stays counted, `unknown`. */
  async keepUnsettled(held: HeldMppCredential, url: string, method: string, status: number, labels: Labels): Promise<void> {
    const record = this.parts.recorder.unknownRecord(url, method, held, this.parts.now(), status, labels);
    this.annotate(record, held);
    const writes: OwedWrite[] = [];
    if (held.reservationId) writes.push({ what: 'markUnknown', write: () => this.parts.ledger.markUnknown(held.reservationId!) });
    writes.push({ what: 'appendReceipt', write: () => this.parts.recorder.write(record) });
    await this.#record(url, writes);
  }

  /** What an MPP receipt record carries beyond the common fields: its delegation or its reserved price. */
  annotate(record: ReceiptRecord, held: HeldMppCredential): void {
    if (held.delegationId) record.delegationId = held.delegationId;
    if (held.priceCents !== undefined) record.reservedCents = held.priceCents;
  }

  /** Writes (or leaves owed); whether they were written now. */
  async #record(url: string, writes: OwedWrite[]): Promise<boolean> {
    const error = await this.parts.backlog.record(writes);
    if (error === undefined) return true;
    this.parts.events.emit('blocked', { url, status: 0, reason: 'store-failed', detail: 'recording a payment failed: no further payment until the store records again', error: error as Error });
    return false;
  }
}
