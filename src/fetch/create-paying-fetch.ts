import { ConfigurationError } from '../errors/configuration-error.js';
import { InvalidPaymentDataError } from '../errors/invalid-payment-required-error.js';
import { PaymentRejectedError } from '../errors/payment-rejected-error.js';
import type { NeverminedClient } from '../nevermined/client.js';
import { NeverminedRestClient } from '../nevermined/rest-client.js';
import { isPaymentsLike, NeverminedSdkAdapter } from '../nevermined/sdk-adapter.js';
import { redact } from '../util/redact.js';
import { peekBody } from '../util/read-bounded.js';
import { safeJsonParse } from '../util/safe-json.js';
import { defaultFetch, type FetchLike } from '../util/transport.js';
import { MAX_CHALLENGE_BODY_BYTES } from '../x402/limits.js';
import { paymentHeaderName } from '../x402/payment-header.js';
import { readChallenge } from '../x402/payment-required.js';
import { decodeReceipt } from '../x402/receipt.js';
import type { PaymentRequired, SettlementReceipt } from '../x402/schemas.js';
import { Emitter, type BlockedEvent, type Listener, type PayingFetchEvents } from './events.js';
import { chooseEntry, NEVERMINED_SCHEMES, NeverminedPayer } from './nevermined-payer.js';
import type { PayingFetchOptions } from './options.js';
import { attachReceipt } from './receipts.js';
import { toReplayable, type ReplayableRequest } from './replayable-request.js';
import { send, type Sent } from './send.js';
import { TokenCache, type HeldToken } from './token-cache.js';

/** fetch, plus what an agent needs to steer itself. */
export interface PayingFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Subscribes to `mint`, `payment`, `receipt`, `blocked`; returns an unsubscribe function. */
  on<E extends keyof PayingFetchEvents>(event: E, listener: Listener<E>): () => void;
}

/** Sends, replays after a 402 with a cached or fresh token, and never more than these many times. */
const MAX_SENDS_PER_CALL = 4;

function buildClient(options: PayingFetchOptions, transport: FetchLike): { client: NeverminedClient; delegationId: string | undefined } {
  const nvm = options.nevermined;
  if (nvm === undefined) throw new ConfigurationError('paying-fetch needs `nevermined` options (an apiKey or a Payments instance)');
  if (isPaymentsLike(nvm)) {
    return { client: new NeverminedSdkAdapter({ payments: nvm }), delegationId: options.delegationId };
  }
  const rest = nvm.apiKey
    ? new NeverminedRestClient({
        apiKey: nvm.apiKey,
        backendUrl: nvm.backendUrl,
        fetch: transport,
        retries: options.backendRetries,
        retryDelayMs: options.backendRetryDelayMs,
      })
    : undefined;
  const delegationId = nvm.delegationId ?? options.delegationId;
  if (nvm.payments) {
    return { client: new NeverminedSdkAdapter({ payments: nvm.payments, principal: nvm.principal, fallback: rest }), delegationId };
  }
  if (!rest) throw new ConfigurationError('nevermined.apiKey is required (or pass a Payments instance as nevermined.payments)');
  return { client: rest, delegationId };
}

/** Creates a fetch that pays Nevermined x402 402s with the configured delegation. */
export function createPayingFetch(options: PayingFetchOptions): PayingFetch {
  const transport: FetchLike = options.fetch ?? defaultFetch;
  const { client, delegationId } = buildClient(options, transport);
  const events = new Emitter();
  const payer = new NeverminedPayer(client, new TokenCache(), events);
  const bodyLimit = options.maxReplayBodyBytes ?? 16 * 1024 * 1024;

  const blocked = (sent: Sent, response: Response, reason: string, detail: string, error?: Error): Response => {
    const event: BlockedEvent = { url: sent.url, status: response.status, reason, detail: redact(detail, client.secrets), ...(error ? { error } : {}) };
    events.emit('blocked', event);
    return response;
  };

  async function call(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = await toReplayable(input, init, bodyLimit);
    const signal = withTimeout(request.signal, options.timeoutMs);
    let target: ReplayableRequest = request;
    let held: HeldToken | undefined = delegationId ? payer.preemptive(request.url, delegationId) : undefined;
    let preemptive = held !== undefined;
    let refusals = 0;

    for (let sends = 1; ; sends += 1) {
      const credentials = held ? { [paymentHeaderName(held.x402Version)]: held.token } : {};
      const sent = await send(transport, target, credentials, held?.origin, signal);
      if (held) {
        events.emit('payment', { url: sent.url, method: sent.method, planId: held.entry.planId!, scheme: held.entry.scheme, tokenHash: held.tokenHash, preemptive });
      }
      if (sent.response.status !== 402) {
        if (held && new URL(sent.url).origin === held.origin) recordReceipt(sent, held);
        return sent.response;
      }

      // A 402: find out what it asks for, without losing the body the caller may want to read.
      const { bytes, response } = await peekBody(sent.response, MAX_CHALLENGE_BODY_BYTES);
      let challenge: PaymentRequired | undefined;
      try {
        challenge = readChallenge(response.headers, bytes);
      } catch (error) {
        return blocked(sent, response, 'invalid-challenge', (error as Error).message, error as InvalidPaymentDataError);
      }
      if (!challenge) return blocked(sent, response, 'no-challenge', 'the 402 carries no x402 payment requirements');
      const entry = chooseEntry(challenge.accepts, NEVERMINED_SCHEMES);
      if (!entry) {
        const offered = challenge.accepts.map((a) => a.scheme).join(', ');
        return blocked(sent, response, 'unknown-scheme', `no payable scheme among: ${offered}`);
      }
      if (!delegationId) return blocked(sent, response, 'no-delegation', 'no delegationId configured to pay with');

      let refusedToken: HeldToken | undefined;
      if (held && payer.refused(held, sent.url, entry)) {
        payer.drop(held);
        refusedToken = held;
        refusals += 1;
        if (refusals >= 2 || sends >= MAX_SENDS_PER_CALL) {
          throw new PaymentRejectedError({ url: sent.url, status: 402, sellerMessage: sellerMessage(bytes, challenge, client.secrets) });
        }
      } else if (sends >= MAX_SENDS_PER_CALL) {
        throw new PaymentRejectedError({ url: sent.url, status: 402, sellerMessage: sellerMessage(bytes, challenge, client.secrets) });
      }
      held = await payer.acquire(entry, challenge.x402Version, sent.url, delegationId, refusedToken, signal);
      preemptive = false;
      // Replay exactly the hop that asked for payment: its URL, method and body.
      target = { ...request, url: sent.url, method: sent.method, body: sent.body };
    }
  }

  function recordReceipt(sent: Sent, held: HeldToken): void {
    let receipt: SettlementReceipt | undefined;
    try {
      receipt = decodeReceipt(sent.response.headers);
    } catch (error) {
      events.emit('blocked', { url: sent.url, status: sent.response.status, reason: 'invalid-receipt', detail: (error as Error).message });
    }
    if (receipt) attachReceipt(sent.response, receipt);
    events.emit('receipt', { url: sent.url, method: sent.method, status: sent.response.status, planId: held.entry.planId!, tokenHash: held.tokenHash, receipt });
  }

  const payingFetch = call as PayingFetch;
  payingFetch.on = (event, listener) => events.on(event, listener);
  return payingFetch;
}

function withTimeout(signal: AbortSignal | undefined, timeoutMs: number | undefined): AbortSignal | undefined {
  if (timeoutMs === undefined) return signal;
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** The seller's reason for a 402, from its JSON body (`message` / `error`) or the challenge. */
function sellerMessage(bytes: Uint8Array | undefined, challenge: PaymentRequired, secrets: ReadonlyArray<string>): string | undefined {
  const json = bytes ? safeJsonParse(Buffer.from(bytes).toString('utf8')) : undefined;
  const body = (typeof json === 'object' && json !== null ? json : {}) as { message?: unknown; error?: unknown };
  const text = [body.message, body.error, challenge.error].find((v): v is string => typeof v === 'string');
  return text === undefined ? undefined : redact(text.slice(0, 1000), secrets);
}
