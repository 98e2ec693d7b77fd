import axios, { AxiosError } from 'axios';
import ky, { HTTPError } from 'ky';
import { describe, expect, it } from 'vitest';
import { BudgetExceededError, getReceipt, getRefusal } from '../../src/index.js';
import { OPENAI_CHAT_PATH } from '../../src/sandbox/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';

const chat = (content: string, stream: boolean) => ({ model: 'sandbox', stream, messages: [{ role: 'user', content }] });

/** The data lines of a server-sent event stream, read chunk by chunk from the body. */
async function sseContent(body: ReadableStream<Uint8Array>): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => (JSON.parse(l.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
    .join('');
}

describe('ky: ky.create({ fetch })', () => {
  it('makes a paid call and a streamed paid call', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const api = ky.create({ fetch: pay, prefixUrl: sb.sellerUrl });

    const res = await api.get('weather');
    expect(await res.json()).toMatchObject({ ok: true, path: '/weather' });
    expect(getReceipt(res)?.success).toBe(true); // ky hands back paying-fetch's own Response

    const streamed = await api.post(OPENAI_CHAT_PATH.slice(1), { json: chat('ky', true) });
    expect(streamed.headers.get('content-type')).toBe('text/event-stream');
    expect(await sseContent(streamed.body!)).toBe('Paid answer to: ky');
    expect(sb.stats().paidResponses).toBe(2);
  });

  it("with refusals: 'response' a refusal is one HTTPError 402 (by default ky retries the thrown refusal)", async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { refusals: 'response', policy: { budget: { lifetimeCents: 50 } } });
    const error = await ky.create({ fetch: pay }).get(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).response.status).toBe(402);
    expect(getRefusal(error)).toBeInstanceOf(BudgetExceededError);
    expect(sb.sellerRequests).toHaveLength(1);
  });
});

describe("axios: adapter 'fetch' with env.fetch", () => {
  it('makes a paid call and a streamed paid call', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const api = axios.create({ adapter: 'fetch', env: { fetch: pay }, baseURL: sb.sellerUrl });

    const res = await api.get('/weather');
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ ok: true, path: '/weather' });

    const streamed = await api.post(OPENAI_CHAT_PATH, chat('axios', true), { responseType: 'stream' });
    expect(await sseContent(streamed.data as ReadableStream<Uint8Array>)).toBe('Paid answer to: axios');
    expect(sb.stats().paidResponses).toBe(2);
  });

  it('a refusal is an AxiosError carrying the typed error, thrown or answered', async () => {
    const sb = await sandbox();
    const thrown = payingFetchFor(sb, { policy: { budget: { lifetimeCents: 50 } } }).pay;
    const error = await axios.create({ adapter: 'fetch', env: { fetch: thrown } }).get(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).cause).toBeInstanceOf(BudgetExceededError);

    const answered = payingFetchFor(sb, { refusals: 'response', policy: { budget: { lifetimeCents: 50 } } }).pay;
    const refused = await axios.create({ adapter: 'fetch', env: { fetch: answered } }).get(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect((refused as AxiosError).response?.status).toBe(402);
    expect(getRefusal(refused)).toBeInstanceOf(BudgetExceededError);
    expect(sb.sellerRequests).toHaveLength(2); // one per call, no retries
  });

  it("without adapter: 'fetch', axios ignores env.fetch: the 402 comes back unpaid", async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const error = await axios.create({ env: { fetch: pay } }).get(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect((error as AxiosError).response?.status).toBe(402);
    expect(sb.stats()).toMatchObject({ mints: 0, paidResponses: 0 });
  });
});
