import { ChatOpenAI } from '@langchain/openai';
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, getRefusal } from '../../src/index.js';
import { OPENAI_CHAT_PATH } from '../../src/sandbox/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';

// @langchain/openai: `new ChatOpenAI({ configuration: { fetch, baseURL } })`.

describe('LangChain (@langchain/openai)', () => {
  it('invokes and streams through paid calls', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const model = new ChatOpenAI({ model: 'sandbox', apiKey: 'unused', maxRetries: 0, configuration: { baseURL: `${sb.sellerUrl}/v1`, fetch: pay } });

    const message = await model.invoke('hi');
    expect(message.content).toBe('Paid answer to: hi');

    let streamed = '';
    for await (const chunk of await model.stream('stream')) streamed += String(chunk.content);
    expect(streamed).toBe('Paid answer to: stream');

    expect(sb.sellerRequests.filter((r) => r.path === OPENAI_CHAT_PATH && r.paid)).toHaveLength(2);
  });

  it("with refusals: 'response' a refusal is one 402 error, not retried, with the typed error reachable", async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { refusals: 'response', policy: { budget: { lifetimeCents: 50 } } });
    const model = new ChatOpenAI({ model: 'sandbox', apiKey: 'unused', maxRetries: 2, configuration: { baseURL: `${sb.sellerUrl}/v1`, fetch: pay } });
    const error = await model.invoke('hi').catch((e: unknown) => e);
    expect((error as { status?: number }).status).toBe(402);
    expect(getRefusal(error)).toBeInstanceOf(BudgetExceededError);
    expect(sb.sellerRequests.filter((r) => r.path === OPENAI_CHAT_PATH)).toHaveLength(1);
  });
});
