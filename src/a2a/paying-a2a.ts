import { engineOf } from '../engine/registry.js';
import type { PayingFetch } from '../fetch/facade.js';
import { readItem, type A2AItem } from './a2a-shapes.js';
import { asksPayment, PaidTurn } from './paid-turn.js';
import { X402_A2A_EXTENSIONS } from './x402-metadata.js';

/** The part of an A2A client (`@a2a-js/sdk` `Client`, v0.3 or v1.0) the wrapper uses. */
export interface A2AClientLike {
  sendMessage(params: A2ASendParams, options?: A2ARequestOptions): Promise<unknown>;
  sendMessageStream?(params: A2ASendParams, options?: A2ARequestOptions): AsyncIterable<unknown>;
}

/** `message/send` params: only `message` (and its `metadata`) is looked at; the rest passes through. */
export interface A2ASendParams {
  message?: { metadata?: Record<string, unknown> | undefined } | undefined;
}

export interface A2ARequestOptions {
  signal?: AbortSignal;
  /** HTTP headers of the call (`@a2a-js/sdk` service parameters). */
  serviceParameters?: Record<string, string>;
}

export interface PayingA2AOptions {
  /** The agent's A2A endpoint URL: payments, tokens and receipts are bound to its origin. */
  agentUrl: string;
  /** Activate the a2a-x402 extension with the `X-A2A-Extensions` header (default true). */
  activateExtension?: boolean;
}

type Params<C extends A2AClientLike> = Parameters<C['sendMessage']>[0];
type Options<C extends A2AClientLike> = Parameters<C['sendMessage']>[1];
type StreamEvent<C extends A2AClientLike> = C['sendMessageStream'] extends (...args: never[]) => AsyncIterable<infer E> ? E : unknown;

/** The caller's message again, answering the agent's task, with the payment in its metadata. */
function followUp<P extends A2ASendParams>(params: P, asked: A2AItem, payment: Record<string, unknown>): P {
  const message = params.message ?? {};
  return {
    ...params,
    message: { ...message, messageId: crypto.randomUUID(), taskId: asked.taskId, ...(asked.contextId ? { contextId: asked.contextId } : {}), metadata: { ...message.metadata, ...payment } },
  };
}

/** The caller's options plus the extension activation header (merged with any the caller set). */
function withExtension(options: A2ARequestOptions | undefined, activate: boolean): A2ARequestOptions | undefined {
  if (!activate) return options;
  const headers = { ...options?.serviceParameters };
  const key = Object.keys(headers).find((k) => /^(x-)?a2a-extensions$/i.test(k)) ?? 'X-A2A-Extensions';
  const uris = new Set([...(headers[key] ?? '').split(',').map((u) => u.trim()).filter(Boolean), ...X402_A2A_EXTENSIONS]);
  headers[key] = [...uris].join(', ');
  return { ...options, serviceParameters: headers };
}

/**
 * Wraps an A2A client: a task asking for payment (x402 A2A transport: `input-required` with
 * `x402.payment.required`) is paid within the same policy, ledger and receipts as payingFetch, and
 * answered with the payment in `x402.payment.payload` under the same `taskId`. Both `sendMessage`
 * and `sendMessageStream`. Agents that still want Nevermined's `payment-signature` header (HTTP 402)
 * are paid by the PayingFetch itself: give it to the client's transport as its fetch.
 */
export function payingA2A<C extends A2AClientLike>(client: C, pay: PayingFetch, options: PayingA2AOptions) {
  const agent: Agent<C> = { client, engine: engineOf(pay), resource: new URL(options.agentUrl).href, activate: options.activateExtension ?? true };
  return {
    client,
    sendMessage: (params: Params<C>, requestOptions?: Options<C>) => sendPaid(agent, params, requestOptions),
    sendMessageStream: (params: Params<C>, requestOptions?: Options<C>) => streamPaid(agent, params, requestOptions),
  };
}

/** What every paid turn with one agent shares. */
interface Agent<C extends A2AClientLike> {
  client: C;
  engine: ReturnType<typeof engineOf>;
  resource: string;
  activate: boolean;
}

async function sendPaid<C extends A2AClientLike>(agent: Agent<C>, params: Params<C>, requestOptions?: Options<C>): Promise<Awaited<ReturnType<C['sendMessage']>>> {
  const callOptions = withExtension(requestOptions, agent.activate);
  const turn = new PaidTurn(agent.engine, agent.resource);
  let current = params;
  for (;;) {
    let result: unknown;
    try {
      result = await agent.client.sendMessage(current, callOptions);
    } catch (error) {
      if (turn.owing) throw await turn.unknown(error); // paid, no answer: the charge may have happened
      throw error;
    }
    const item = readItem(result);
    if (turn.owing) {
      const verdict = await turn.observe(item);
      if (verdict === 'settled') return result as never;
      if (verdict === 'pending') throw await turn.unknown(new Error(`the task is ${item.state ?? 'not a task'} after payment, not completed`));
    } else if (!asksPayment(item)) {
      return result as never;
    }
    current = followUp(params, item, await turn.pay(item));
  }
}

async function* streamPaid<C extends A2AClientLike>(agent: Agent<C>, params: Params<C>, requestOptions?: Options<C>): AsyncGenerator<StreamEvent<C>, void, undefined> {
  const { client } = agent;
  if (!client.sendMessageStream) throw new TypeError('this A2A client has no sendMessageStream');
  const callOptions = withExtension(requestOptions, agent.activate);
  const turn = new PaidTurn(agent.engine, agent.resource);
  let current = params;
  try {
    for (;;) {
      const asked: A2AItem | undefined = yield* relay<C>(client.sendMessageStream(current, callOptions), turn);
      if (!asked) {
        if (turn.owing) throw await turn.unknown(new Error('the stream ended before the task completed'));
        return;
      }
      current = followUp(params, asked, await turn.pay(asked));
    }
  } finally {
    // The caller stopped reading a paid stream before it settled: still counted, as unknown.
    if (turn.owing) await turn.unknown(new Error('the caller stopped reading before the task completed'));
  }
}

/** Passes a stream's events on, settling the payment on the way; returns an ask for payment. */
async function* relay<C extends A2AClientLike>(stream: AsyncIterable<unknown>, turn: PaidTurn): AsyncGenerator<StreamEvent<C>, A2AItem | undefined, undefined> {
  const events = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await events.next();
      } catch (error) {
        if (turn.owing) throw await turn.unknown(error); // the stream broke after payment
        throw error;
      }
      if (next.done) return undefined;
      const item = readItem(next.value);
      if (turn.owing) {
        if ((await turn.observe(item)) === 'asks-again') return item;
      } else if (asksPayment(item)) {
        return item; // handled here: the caller sees the paid task's events instead
      }
      yield next.value as StreamEvent<C>;
    }
  } finally {
    await events.return?.().catch(() => {});
  }
}
