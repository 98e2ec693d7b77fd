import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, getRefusal } from '../../src/index.js';
import { OPENAI_CHAT_PATH } from '../../src/sandbox/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';

// ai 6 + @ai-sdk/openai 3: `createOpenAI({ fetch })`, the chat-completions model (`.chat(...)`).

describe('ai SDK (@ai-sdk/openai)', () => {
  it('generates and streams text through paid calls', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const openai = createOpenAI({ apiKey: 'unused', baseURL: `${sb.sellerUrl}/v1`, fetch: pay });

    const { text } = await generateText({ model: openai.chat('sandbox'), prompt: 'hi', maxRetries: 0 });
    expect(text).toBe('Paid answer to: hi');

    const result = streamText({ model: openai.chat('sandbox'), prompt: 'stream', maxRetries: 0 });
    let streamed = '';
    for await (const part of result.textStream) streamed += part;
    expect(streamed).toBe('Paid answer to: stream');

    expect(sb.sellerRequests.filter((r) => r.path === OPENAI_CHAT_PATH && r.paid)).toHaveLength(2);
    expect(sb.stats().paidResponses).toBe(2);
  });

  it("with refusals: 'response' a refusal is one non-retryable APICallError with the typed error reachable", async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { refusals: 'response', policy: { budget: { lifetimeCents: 50 } } });
    const openai = createOpenAI({ apiKey: 'unused', baseURL: `${sb.sellerUrl}/v1`, fetch: pay });
    const error = await generateText({ model: openai.chat('sandbox'), prompt: 'hi' }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(402);
    expect((error as APICallError).isRetryable).toBe(false);
    expect(getRefusal(error)).toBeInstanceOf(BudgetExceededError);
    expect(sb.sellerRequests.filter((r) => r.path === OPENAI_CHAT_PATH)).toHaveLength(1);
  });

  it('by default the thrown refusal reaches the caller as is, not retried', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { policy: { budget: { lifetimeCents: 50 } } });
    const openai = createOpenAI({ apiKey: 'unused', baseURL: `${sb.sellerUrl}/v1`, fetch: pay });
    await expect(generateText({ model: openai.chat('sandbox'), prompt: 'hi' })).rejects.toBeInstanceOf(BudgetExceededError);
    expect(sb.sellerRequests.filter((r) => r.path === OPENAI_CHAT_PATH)).toHaveLength(1);
  });
});
