import { PaymentMayBeTakenError } from '../errors/payment-may-be-taken-error.js';
import { PaymentRejectedError } from '../errors/payment-rejected-error.js';
import { Permit2AllowanceRequiredError } from '../errors/permit2-allowance-required-error.js';
import type { HeldToken } from '../engine/held.js';
import type { PaymentEngine } from '../engine/payment-engine.js';
import type { Labels } from '../engine/recorder.js';
import { neverSent } from '../util/never-sent.js';
import { randomId } from '../util/random-id.js';
import type { FetchLike } from '../util/transport.js';
import { originOf } from '../util/url-parts.js';
import type { PaymentRequired } from '../x402/schemas.js';
import { sellerMessage } from './challenge.js';
import type { Candidate, OnPermit2AllowanceRequired } from '../engine/scheme-plugins.js';
import type { ReplayableRequest } from './replayable-request.js';
import { send, type Sent } from './send.js';
import { finalMppRefusal, paymentHeaders, readOffersOf, secretsOf } from './mpp-offers.js';

/** Sends, replays after a 402 with a cached or fresh token, and never more than these many times. */
const MAX_SENDS_PER_CALL = 6;
const NO_CREDENTIALS: Record<string, string> = {};

/** What one step of a call decided. */
export type Step =
  | { kind: 'done'; response: Response }
  /** Send again: `held` to `target` (the hop that asked for payment). */
  | { kind: 'replay'; held: HeldToken; target: ReplayableRequest }
  /** Nothing to pay here: the answer goes back to the caller, with the reason in a `blocked` event. */
  | { kind: 'handBack'; response: Response; reason: string; detail: string; error?: Error | undefined }
  | { kind: 'fail'; error: unknown };

export interface HttpCallSettings {
  transport: FetchLike;
  labels: Labels;
  signal: AbortSignal | undefined;
  /** The caller said to pay again after an earlier unknown outcome of this same request. */
  payAgain: boolean;
  /** policy.freshPaymentAfterUnknown: earlier unknown outcomes are not looked for at all. */
  ignoreUnknown: boolean;
  challengeBodyTimeoutMs: number;
  onPermit2AllowanceRequired: OnPermit2AllowanceRequired | undefined;
}

/**
 * One logical HTTP call: resume, send up front, read the challenge, pay, replay, settle. Each step
 * returns what it decided; `run` only loops over them. The caller's own credentials stay on the
 * origin the caller addressed; payment headers only go to the origin they were bought for.
 */
export class HttpCall {
  #held: HeldToken | undefined;
  #target: ReplayableRequest;
  #preemptive = false;
  /** The receipt of a signed payload replayed after an unknown outcome: its record is forgotten once answered. */
  #resumed: string | undefined;
  #refusals = 0;
  #permit2Asked = false;
  /** The last challenge read: a payment after a Permit2 approval is signed for it again. */
  #lastChallenge: PaymentRequired | undefined;
  #sentTokens: string[] = [];
  #resumeKey: string | undefined;
  /** One id for this logical call: every retry of it carries the same one (payment-identifier). */
  #paymentId: string | undefined;
  readonly #callerOrigin: string;
  #startedAt = 0;
  #lastSendMs = 0;

  constructor(
    private readonly engine: PaymentEngine,
    private readonly request: ReplayableRequest,
    private readonly settings: HttpCallSettings,
  ) {
    this.#target = request;
    this.#callerOrigin = originOf(request.url);
  }

  async run(): Promise<Response> {
    this.#startedAt = this.engine.now();
    // Writes still owed to the store may be this request's waiting payment: written before looking
    // for it (if the store still fails, every payment below is refused anyway).
    if (this.engine.parts.backlog.owed) await this.engine.parts.backlog.settleUp().catch(() => {});
    const resumed = this.settings.ignoreUnknown ? undefined : this.resume();
    if (resumed instanceof Promise) await resumed; // no await on the hot path
    if (!this.#held) {
      const upFront = this.engine.upFront(this.request.url);
      this.#held = upFront instanceof Promise ? await upFront : upFront;
      this.#preemptive = this.#held !== undefined;
    }
    for (let sends = 1; ; sends += 1) {
      const step = await this.exchange(sends);
      switch (step.kind) {
        case 'done':
          return step.response;
        case 'fail':
          throw step.error;
        case 'handBack':
          this.engine.events.emit('blocked', { url: this.#target.url, status: step.response.status, reason: step.reason, detail: this.#scrub(step.detail), ...(step.error ? { error: step.error } : {}) });
          return step.response;
        case 'replay':
          this.#held = step.held;
          this.#target = step.target;
          this.#preemptive = false;
      }
    }
  }

  /**
   * A retry of a request whose payment got no answer: a signed payload is replayed as it was (it
   * can settle once at most); a Nevermined payment is not repeated silently (a typed error), unless
   * the caller says `payAgain`.
   */
  resume(): void | Promise<void> {
    const found = this.engine.parts.resumes.find(() => this.#key());
    if (found === undefined) return;
    return (async () => {
      const record = await found;
      if (!record) return;
      if (this.settings.payAgain) return this.engine.parts.resumes.forget(this.#key(), record.receiptId);
      // Only a signed x402 payload replays safely; a Nevermined token or an MPP credential may have been taken.
      if (record.held.kind !== 'scheme') {
        throw new PaymentMayBeTakenError({ url: this.request.url, receiptId: record.receiptId || undefined, tokenHash: record.held.tokenHash, sentAt: record.sentAt || undefined });
      }
      this.#held = record.held;
      this.#resumed = record.receiptId;
    })();
  }

  /** One send and what its answer means. */
  async exchange(sends: number): Promise<Step> {
    const sent = await this.send();
    const held = this.#held;
    const paidHop = held !== undefined && originOf(sent.url) === held.origin;
    if (held && paidHop && this.engine.events.wants('payment')) {
      this.engine.events.emit('payment', { url: sent.url, method: sent.method, planId: held.entry.planId, scheme: held.entry.scheme, tokenHash: held.tokenHash, preemptive: this.#preemptive, durationMs: this.#lastSendMs });
    }
    if (held?.kind === 'scheme' && paidHop && sent.response.status === 412) return this.permit2(sent, held);
    if (sent.response.status !== 402) return this.settle(sent, paidHop);
    return this.paymentRequired(sent, paidHop, sends);
  }

  /** Sends the current target with the held payment (if any). No answer to a paid send: unknown outcome. */
  async send(): Promise<Sent> {
    const held = this.#held;
    if (held) this.#sentTokens.push(...secretsOf(held));
    const sentAt = this.engine.now();
    try {
      const sent = await send(this.settings.transport, this.#target, held ? paymentHeaders(held, this.#target, this.#callerOrigin) : NO_CREDENTIALS, held?.origin, this.settings.signal, this.#callerOrigin);
      this.#lastSendMs = this.engine.now() - sentAt;
      return sent;
    } catch (error) {
      // Refused before it left (no connection, DNS, TLS): nothing was handed over, nothing to recover.
      if (!held || neverSent(error)) throw error;
      // The payment went out and no answer came back: the charge may have happened.
      throw await this.engine.unknown(this.#target.url, this.#target.method, held, sentAt, 0, error, this.settings.labels, this.#key());
    }
  }

  /** Not a 402: a paid answer is settled (5xx without receipt: unknown outcome), anything else handed over. */
  async settle(sent: Sent, paidHop: boolean): Promise<Step> {
    const held = this.#held;
    if (held && paidHop) {
      const answer = { url: sent.url, method: sent.method, status: sent.response.status, headers: sent.response.headers, response: sent.response, startedAt: this.#startedAt };
      if ((await this.engine.settle(answer, held, this.settings.labels)) === 'unknown') {
        await sent.response.body?.cancel().catch(() => {});
        const cause = new Error(`HTTP ${sent.response.status}`);
        return { kind: 'fail', error: await this.engine.unknown(sent.url, sent.method, held, this.engine.now(), sent.response.status, cause, this.settings.labels, this.#key()) };
      }
    } else if (held && originOf(this.#target.url) === held.origin) {
      // Handed over on the first hop, answered from another origin: a signed payload still counts.
      await this.engine.keepUnsettled(held, this.#target.url, this.#target.method, sent.response.status, this.settings.labels);
    }
    if (this.#resumed !== undefined) await this.#forgetResume();
    return { kind: 'done', response: sent.response };
  }

  /** A 402: what it asks for, whether the held payment was refused, and the next payment. */
  async paymentRequired(sent: Sent, paidHop: boolean, sends: number): Promise<Step> {
    const held = this.#held;
    // A signed payload or MPP credential handed over and answered 402: a refusal, but whoever holds it can still settle it.
    if ((held?.kind === 'scheme' || held?.kind === 'mpp') && paidHop) {
      await this.engine.keepUnsettled(held, sent.url, sent.method, 402, this.settings.labels);
      this.#refusals += 1;
    } else if (held && !paidHop && originOf(this.#target.url) === held.origin) {
      // Handed over on the first hop, which redirected to a 402 elsewhere: it still counts.
      await this.engine.keepUnsettled(held, this.#target.url, this.#target.method, 402, this.settings.labels);
    }
    if (this.#resumed !== undefined) await this.#forgetResume(); // definitively refused: a fresh payment may follow
    const read = await readOffersOf(sent.response, this.settings.challengeBodyTimeoutMs); // x402 and MPP
    if (read.kind === 'none') return { kind: 'handBack', response: read.response, reason: read.reason, detail: read.detail, error: read.error };
    const final = held?.kind === 'mpp' && paidHop ? await finalMppRefusal(read, sent.url, (text) => this.#scrub(text)) : undefined;
    if (final) return { kind: 'fail', error: final }; // e.g. BCK.MPP.0003: no fresh payment
    this.#lastChallenge = read.challenge;
    const selection = await this.engine.choose(read.challenge, sent.url, read.mpp);
    if (this.engine.events.wants('challenge')) this.#emitChallenge(sent.url, read.challenge, selection.kind === 'chosen' ? selection.candidate : undefined);
    if (selection.kind === 'unpayable') return { kind: 'handBack', response: read.response, reason: selection.reason, detail: selection.detail };
    const { candidate } = selection;

    let refused: HeldToken | undefined;
    if (held && this.engine.sentFor(held, sent.url, candidate.entry)) {
      refused = held;
      // The backend, not the seller, says whether the delegation ended (then renewal is no refusal).
      const said = await sellerMessage(read, (text) => this.#scrub(text));
      if ((await this.engine.sellerRefused(held, said, this.settings.signal)) === 'refused') this.#refusals += 1;
    }
    if (this.#refusals >= 2 || sends >= MAX_SENDS_PER_CALL) {
      const message = await sellerMessage(read, (text) => this.#scrub(text));
      return { kind: 'fail', error: new PaymentRejectedError({ url: sent.url, status: 402, sellerMessage: message }) };
    }
    void read.response.body?.cancel().catch(() => {}); // the next answer replaces this one
    const next = await this.engine.authorize(candidate, read.challenge, sent.url, { refused, paymentId: () => this.#id(), signal: this.settings.signal, httpMethod: sent.method });
    // Replay exactly the hop that asked for payment: its URL, method and body.
    return { kind: 'replay', held: next, target: { ...this.request, url: sent.url, method: sent.method, body: sent.body } };
  }

  /** 412: Permit2 needs an on-chain allowance first. Ask the hook once, else a typed error. Never a loop. */
  async permit2(sent: Sent, held: Extract<HeldToken, { kind: 'scheme' }>): Promise<Step> {
    // Handed over: it counts until proven unsettled, like any refused signed payload.
    await this.engine.keepUnsettled(held, sent.url, sent.method, 412, this.settings.labels);
    await sent.response.body?.cancel().catch(() => {});
    const hook = this.settings.onPermit2AllowanceRequired;
    const plugin = this.engine.parts.plugins.find((p) => p.network === held.entry.network && p.client.scheme === held.entry.scheme);
    const challenge = this.#lastChallenge;
    if (this.#permit2Asked || !hook || !plugin || !challenge || !(await hook({ url: sent.url, entry: held.entry }))) {
      return { kind: 'fail', error: new Permit2AllowanceRequiredError({ url: sent.url, network: held.entry.network, asset: held.entry.asset }) };
    }
    this.#permit2Asked = true;
    const next = await this.engine.authorize({ kind: 'scheme', entry: held.entry, plugin, priceCents: held.priceCents, flow: 'upfront' }, challenge, sent.url, { paymentId: () => this.#id(), signal: this.settings.signal });
    return { kind: 'replay', held: next, target: this.#target };
  }

  #emitChallenge(url: string, challenge: PaymentRequired, chosen: Candidate | undefined): void {
    const facts = chosen && { scheme: chosen.entry.scheme, network: chosen.entry.network, planId: chosen.entry.planId, priceCents: chosen.priceCents };
    this.engine.events.emit('challenge', { url, x402Version: challenge.x402Version, offered: challenge.accepts.length, chosen: facts });
  }

  #key(): string {
    return (this.#resumeKey ??= this.engine.parts.resumes.keyOf(this.request)); // hashed only when needed
  }

  #id(): string {
    return (this.#paymentId ??= randomId()); // made only if a scheme payment needs it
  }

  async #forgetResume(): Promise<void> {
    const receiptId = this.#resumed!;
    this.#resumed = undefined;
    await this.engine.parts.resumes.forget(this.#key(), receiptId).catch(() => {}); // it expires anyway
  }

  /** Every token sent in this call and every one cached for the origin: never in an error or event. */
  #scrub(text: string): string {
    return this.engine.redactor(this.#held?.origin ?? originOf(this.#target.url), this.#sentTokens)(text);
  }
}

