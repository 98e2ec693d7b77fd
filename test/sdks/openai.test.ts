import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, getReceipt, getRefusal } from '../../src/index.js';
import { OPENAI_CHAT_PATH } from '../../src/sandbox/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';

// openai 6: `new OpenAI({ fetch, baseURL })`, plain and streamed, paid through the sandbox.

describe('openai SDK', () => {
  it('makes a paid chat completion and a paid streamed one', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${sb.sellerUrl}/v1`, fetch: pay, maxRetries: 0 });

    const { data, response } = await client.chat.completions.create({ model: 'sandbox', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Paid answer to: hi');
    expect(getReceipt(response)?.success).toBe(true);

    const stream = await client.chat.completions.create({ model: 'sandbox', messages: [{ role: 'user', content: 'stream' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Paid answer to: stream');

    const paid = sb.sellerRequests.filter((r) => r.path === OPENAI_CHAT_PATH && r.paid);
    expect(paid).toHaveLength(2);
    expect(sb.stats().paidResponses).toBe(2);
  });

  it("with refusals: 'response' a budget refusal is one 402 APIError, not retried, and the typed error is reachable", async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { refusals: 'response', policy: { budget: { lifetimeCents: 50 } } });
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${sb.sellerUrl}/v1`, fetch: pay }); // default: 2 retries

    const error = await client.chat.completions.create({ model: 'sandbox', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    const refusal = getRefusal(error);
    expect(refusal).toBeInstanceOf(BudgetExceededError);
    expect((refusal as BudgetExceededError).limit).toBe('budget.lifetime');
    // One attempt: the seller saw the unpaid request once, nothing was minted or charged.
    expect(sb.sellerRequests.filter((r) => r.path === OPENAI_CHAT_PATH)).toHaveLength(1);
    expect(sb.stats()).toMatchObject({ mints: 0, charges: 0 });
  });

  it("by default (refusals: 'throw') openai-node turns the refusal into a retried connection error", async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { policy: { budget: { lifetimeCents: 50 } } });
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${sb.sellerUrl}/v1`, fetch: pay, maxRetries: 2 });
    const error = await client.chat.completions.create({ model: 'sandbox', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(sb.sellerRequests.filter((r) => r.path === OPENAI_CHAT_PATH)).toHaveLength(3);
    expect(sb.stats().charges).toBe(0);
  });
});
