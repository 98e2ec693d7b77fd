import { PaymentSigningError } from '../errors/payment-signing-error.js';
import { PaymentOutcomeUnknownError } from '../errors/payment-outcome-unknown-error.js';
import { isPolicyRefusal } from '../errors/bases.js';
import type { NeverminedClient } from '../nevermined/client.js';
import type { DelegationManager } from '../nevermined/delegations.js';
import { backendError, findBckCode } from '../nevermined/backend-errors.js';
import { withRenewal } from '../nevermined/mint-with-renewal.js';
import type { Ledger } from '../policy/ledger.js';
import { assertAllowed, type Policy } from '../policy/policy.js';
import type { KeyManager } from '../providers/key-manager.js';
import { redact } from '../util/redact.js';
import { originOf } from '../util/url-parts.js';
import { decodeReceipt } from '../x402/receipt.js';
import type { PaymentRequired, PaymentRequirement, SettlementReceipt } from '../x402/schemas.js';
import type { Emitter } from '../fetch/events.js';
import { attachReceipt } from '../fetch/receipts.js';
import type { ReceiptRecord } from '../store/types.js';
import type { Backlog, OwedWrite } from './backlog.js';
import type { HeldNvmToken, HeldToken } from './held.js';
import type { NeverminedPayer } from './nevermined-payer.js';
import type { Labels, Recorder } from './recorder.js';
import { receiptEvent } from './receipt-event.js';
import type { Resumes } from './resumes.js';
import type { SchemePayer } from './scheme-payer.js';
import type { MppChallenge } from '../mpp/challenge.js';
import type { MppPayer } from './mpp-payer.js';
import type { Candidate, SchemePlugin, SelectRequirement } from './scheme-plugins.js';
import type { MppMethodPlugin } from '../mpp/plugin.js';
import { selectEntry, type Selection } from './select-entry.js';

/** The collaborators an engine owns, built once per PayingFetch (see build-engine.ts). */
export interface EngineParts {
  client: NeverminedClient;
  ledger: Ledger;
  policy: Policy;
  delegations: DelegationManager | undefined;
  nvm: NeverminedPayer;
  schemes: SchemePayer;
  plugins: ReadonlyArray<SchemePlugin>;
  /** MPP (`WWW-Authenticate: Payment`): its payer, method plugins, and the Nevermined token network. */
  mpp: { payer: MppPayer; plugins: ReadonlyArray<MppMethodPlugin>; neverminedNetwork: string | undefined };
  select: SelectRequirement | undefined;
  recorder: Recorder;
  events: Emitter;
  backlog: Backlog;
  resumes: Resumes;
  keys: KeyManager | undefined;
  /** Who spends, by default: the instance's `agent` and `tags`. */
  labels: Labels;
  now: () => number;
}

/** A paid request's answer, as far as the engine needs it. */
export interface PaidAnswer {
  url: string;
  method: string;
  status: number;
  /** Where an HTTP answer carries its `payment-response`. */
  headers?: Headers | undefined;
  /** A receipt already decoded (MCP carries it in the tool result's `_meta`). */
  receipt?: SettlementReceipt | undefined;
  /** The response the caller gets, to attach the decoded receipt to. */
  response?: Response | undefined;
  /** When the logical call started (ms since epoch), for the receipt event's duration. */
  startedAt?: number | undefined;
}

/** What a seller's refusal of a held Nevermined token turned out to be, once the backend was asked. */
export type RefusalVerdict = 'refused' | 'delegation-ended';

/**
 * The payment decisions every transport (HTTP, MCP) shares: which entry to pay, a token or signed
 * payload for it within the policy, what an answer settles, and what an unknown outcome keeps.
 * Seller and vendor words are claims here: only the backend retires a delegation, and a signed
 * payload counts against the budget from the moment it is handed over.
 */
export class PaymentEngine {
  constructor(readonly parts: EngineParts) {}

  get ledger(): Ledger {
    return this.parts.ledger;
  }

  get events(): Emitter {
    return this.parts.events;
  }

  now(): number {
    return this.parts.now();
  }

  /** Which entry of this challenge, or which of its MPP challenges, to pay (the policy checked on exactly that one). */
  choose(challenge: PaymentRequired, url: string, mpp?: ReadonlyArray<MppChallenge>): Promise<Selection> {
    const { policy, delegations, plugins, select } = this.parts;
    const mppContext = mpp?.length ? { challenges: mpp, plugins: this.parts.mpp.plugins, nevermined: this.parts.mpp.neverminedNetwork && delegations ? { network: this.parts.mpp.neverminedNetwork } : undefined, now: this.now() } : undefined;
    return this.guarded(url, async () => selectEntry(challenge, { origin: originOf(url), policy, nevermined: delegations !== undefined, plugins, select, mpp: mppContext }));
  }

  /**
   * A Nevermined token or a signed payload for the chosen entry. Nothing is paid while writes of an
   * earlier payment are still owed to a failing store (a StoreError instead).
   */
  authorize(candidate: Candidate, challenge: PaymentRequired, url: string, context: { refused?: HeldToken | undefined; paymentId: () => string; signal?: AbortSignal | undefined; httpMethod?: string | undefined }): Promise<HeldToken> {
    return this.guarded(url, async () => {
      await this.parts.backlog.settleUp();
      if (candidate.kind === 'mpp') return this.parts.mpp.payer.pay(candidate, url, { httpMethod: context.httpMethod ?? 'GET', signal: context.signal });
      if (candidate.kind === 'scheme') return this.parts.schemes.pay(candidate, challenge, url, context.paymentId());
      const refused = context.refused?.kind === 'nvm' ? context.refused : undefined;
      return this.#nvmToken(candidate.entry, challenge.x402Version, url, refused, context.signal);
    });
  }

  /** A token for this entry from a delegation the policy allows; renews once if the backend says it ended. */
  async #nvmToken(entry: PaymentRequirement, x402Version: number, url: string, refused: HeldNvmToken | undefined, signal?: AbortSignal): Promise<HeldNvmToken> {
    const { policy, ledger, nvm } = this.parts;
    const delegations = this.parts.delegations!; // choose() offers Nevermined entries only with delegations
    const origin = originOf(url);
    const planId = entry.planId as string;
    assertAllowed(policy, { origin, planId, scheme: entry.scheme, network: entry.network });
    await ledger.assertCapsOpen(origin, planId, `Paying ${origin}`);
    await ledger.assertWithinBudget(`Paying ${origin}`);
    let first = true;
    return withRenewal(delegations, planId, (delegationId) => nvm.acquire(entry, x402Version, url, delegationId, first ? ((first = false), refused) : undefined, signal), signal);
  }

  /**
   * A cached token to send before any 402, when the route asked for a plan before and the policy
   * still allows it. Answers at once (no promise) when the checks passed a moment ago.
   */
  upFront(url: string): HeldNvmToken | undefined | Promise<HeldNvmToken | undefined> {
    const { delegations, nvm, ledger, backlog } = this.parts;
    const held = delegations ? nvm.preemptive(url, (planId) => delegations.peek(planId)) : undefined;
    if (!held || (!backlog.owed && ledger.recentlyCleared(held.origin, held.entry.planId))) return held;
    return this.guarded(url, async () => {
      await backlog.settleUp();
      await ledger.assertCapsOpen(held.origin, held.entry.planId, `Paying ${held.origin}`);
      await ledger.assertWithinBudget(`Paying ${held.origin}`);
      return held;
    });
  }

  /**
   * A seller answered a held Nevermined token with a 402 for the same entry. Its words are a claim:
   * the token is dropped, and the delegation retired only if the backend's own record says it can
   * pay no more ('delegation-ended': not the seller refusing this buyer, renewal may follow).
   */
  async sellerRefused(held: HeldNvmToken, said: string | undefined, signal?: AbortSignal): Promise<RefusalVerdict> {
    this.parts.nvm.drop(held);
    // A declined card only stops this call (a new token would be declined too): nothing is retired.
    const code = findBckCode(said);
    if (code === 'BCK.X402.0049') throw backendError({ action: 'settle', bckCode: code, status: 402, message: said ?? code });
    const ended = (await this.parts.delegations?.retireIfEnded(held.delegationId, held.entry.planId, signal)) ?? false;
    return ended ? 'delegation-ended' : 'refused';
  }

  /** True when `held` was sent for exactly the entry this 402 asks for. */
  sentFor(held: HeldToken, url: string, entry: PaymentRequirement): held is HeldNvmToken {
    return held.kind === 'nvm' && this.parts.nvm.refused(held, url, entry);
  }

  drop(held: HeldToken): void {
    if (held.kind === 'nvm') this.parts.nvm.drop(held);
  }

  /**
   * After a paid request answered: the receipt is attached and recorded, a priced payment committed
   * when accepted. A signed payload that was not accepted still counts (kept as `unknown`). Returns
   * 'unknown' for a 5xx without a receipt: the caller raises the unknown outcome. Store failures here
   * never cost the caller the paid answer: the writes wait in the backlog (fail closed).
   */
  async settle(answer: PaidAnswer, held: HeldToken, labels: Labels = this.parts.labels): Promise<'settled' | 'unknown'> {
    if (held.kind === 'mpp') return this.parts.mpp.payer.settle(answer, held, labels); // Payment-Receipt, not payment-response
    let receipt = answer.receipt;
    try {
      if (!receipt && answer.headers) receipt = decodeReceipt(answer.headers);
    } catch (error) {
      this.events.emit('blocked', { url: answer.url, status: answer.status, reason: 'invalid-receipt', detail: (error as Error).message });
    }
    if (!receipt && answer.status >= 500) return 'unknown';
    if (held.kind === 'scheme' && !(answer.status < 400 || receipt?.success)) {
      await this.keepUnsettled(held, answer.url, answer.method, answer.status, labels);
      return 'settled';
    }
    if (receipt && answer.response) attachReceipt(answer.response, receipt);
    const writes: OwedWrite[] = [];
    let record: ReceiptRecord | undefined;
    if (held.kind === 'scheme') writes.push({ what: 'commit', write: () => this.ledger.commit(held.reservationId) });
    writes.push({ what: 'appendReceipt', write: async () => void (record = await this.parts.recorder.paid(answer.url, answer.method, answer.status, held, receipt, labels)) });
    await this.#record(answer.url, writes);
    if (this.events.wants('receipt')) {
      // A priced payment cost its price, recorded or not (a store failing mid-call): the event counts it.
      const settled = { receiptId: record?.id, outcome: record?.outcome ?? (receipt ? 'paid' : 'no-receipt'), centsCharged: held.kind === 'scheme' ? held.priceCents : record?.amountCents } as const;
      this.events.emit('receipt', receiptEvent(answer, held, receipt, settled, labels, this.now()));
    }
    return 'settled';
  }

  /**
   * A signed payload was handed over and not accepted (a 402, a 4xx, an answer from elsewhere). Who
   * holds it can still settle it, so it stays counted (`unknown`) until reconcile() proves otherwise.
   */
  async keepUnsettled(held: HeldToken, url: string, method: string, status: number, labels: Labels = this.parts.labels): Promise<void> {
    if (held.kind === 'mpp') return this.parts.mpp.payer.keepUnsettled(held, url, method, status, labels);
    if (held.kind !== 'scheme') return;
    const record = this.parts.recorder.unknownRecord(url, method, held, this.now(), status, labels);
    await this.#record(url, [
      { what: 'markUnknown', write: () => this.ledger.markUnknown(held.reservationId) },
      { what: 'appendReceipt', write: () => this.parts.recorder.write(record) },
    ]);
  }

  /**
   * A paid request got no answer: the receipt says `unknown`, a priced reservation stays until
   * reconciled, and (with `resumeKey`) a retry of the same request is recognised as one.
   */
  async unknown(url: string, method: string, held: HeldToken, sentAt: number, status: number, cause: unknown, labels: Labels = this.parts.labels, resumeKey?: string): Promise<PaymentOutcomeUnknownError> {
    const record = this.parts.recorder.unknownRecord(url, method, held, sentAt, status, labels);
    if (held.kind === 'mpp') this.parts.mpp.payer.annotate(record, held);
    const writes: OwedWrite[] = [];
    const reservationId = held.kind === 'nvm' ? undefined : held.reservationId; // MPP: priced challenges only
    if (reservationId) writes.push({ what: 'markUnknown', write: () => this.ledger.markUnknown(reservationId) });
    if (resumeKey) writes.push({ what: 'putSecret', write: () => this.parts.resumes.keep(resumeKey, { held, receiptId: record.id, sentAt }) });
    writes.push({ what: 'appendReceipt', write: () => this.parts.recorder.write(record) });
    await this.#record(url, writes);
    const delegationId = held.kind === 'scheme' ? undefined : held.delegationId;
    const sent = held.kind === 'mpp' ? [held.token, ...held.secrets] : [held.token];
    return new PaymentOutcomeUnknownError({ url, receiptId: record.id, tokenHash: held.tokenHash, delegationId, planId: held.entry.planId }, this.redactor(held.origin, sent)(cause));
  }

  async #record(url: string, writes: OwedWrite[]): Promise<void> {
    const error = await this.parts.backlog.record(writes);
    if (error !== undefined) {
      this.events.emit('blocked', { url, status: 0, reason: 'store-failed', detail: 'recording a payment failed: no further payment until the store records again', error: error as Error });
    }
  }

  /**
   * Redacts every token known for `origin` (cached ones) and the ones sent in this call from what a
   * seller or a transport says: a seller may echo any token it was ever sent.
   */
  redactor(origin: string, sent: ReadonlyArray<string>): <T>(what: T) => T {
    const secrets = [...sent, ...this.parts.nvm.tokensFor(origin)];
    const scrub = (text: string) => this.parts.client.scrub(redact(text, secrets));
    return <T>(what: T): T => {
      if (typeof what === 'string') return scrub(what) as T;
      if (what instanceof Error) {
        const copy = new Error(scrub(what.message));
        copy.name = what.name;
        return copy as T;
      }
      return what;
    };
  }

  /** Policy refusals surface as a `blocked` event, then as the typed error. */
  async guarded<T>(url: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isPolicyRefusal(error) || error instanceof PaymentSigningError) {
        this.events.emit('blocked', { url, status: 402, reason: error.code.toLowerCase().replace(/_/g, '-'), detail: error.message, error });
      }
      throw error;
    }
  }
}
