import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallerKeyRefusedError, createPayingFetch, PLACEHOLDER_KEY, type PayingFetch } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { sandboxExa } from '../helpers.js';

// exa-js has no fetch option: it takes globalThis.fetch when first imported, and always sends
// x-api-key. The documented wiring: paying-fetch as the global fetch while exa-js loads, and
// PLACEHOLDER_KEY as its key (paying-fetch puts the key it bought in its place).

type ExaClass = typeof import('exa-js').Exa;
let sb: Sandbox;
let pay: PayingFetch;
let Exa: ExaClass;

beforeAll(async () => {
  sb = await createSandbox();
  pay = createPayingFetch({
    nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId },
    providers: [sandboxExa(sb)],
  });
  const original = globalThis.fetch;
  globalThis.fetch = pay;
  try {
    Exa = (await import('exa-js')).Exa;
  } finally {
    globalThis.fetch = original; // exa-js keeps paying-fetch; nothing else in the process does
  }
});
afterAll(async () => {
  await sb.close();
});

describe('exa-js', () => {
  it('searches with the placeholder key: paying-fetch buys a key once and sends it instead', async () => {
    const exa = new Exa(PLACEHOLDER_KEY, sb.vendorUrl);
    const first = await exa.search('agent payments');
    const second = await exa.search('again');
    expect(first.results[0]?.title).toBe('paying-fetch');
    expect(second.results).toHaveLength(1);
    expect(sb.stats().purchases).toBe(1);
    const bought = sb.vendor.keys.get(sb.principal)!.apiKey;
    const keysSent = sb.vendor.counters.calls.map((c) => c.apiKey);
    expect(keysSent).not.toContain(PLACEHOLDER_KEY); // the placeholder never reaches the vendor
    expect(keysSent.slice(-2)).toEqual([bought, bought]);
  });

  it('streams an answer, paid with the same key', async () => {
    const exa = new Exa(PLACEHOLDER_KEY, sb.vendorUrl);
    let text = '';
    for await (const chunk of exa.streamAnswer('what is paying-fetch?')) text += chunk.content ?? '';
    expect(text).toBe('Paid streamed answer');
    expect(sb.vendor.counters.calls.at(-1)).toMatchObject({ path: '/answer', apiKey: sb.vendor.keys.get(sb.principal)!.apiKey });
    expect(sb.stats().purchases).toBe(1);
  });

  it("a caller's own key, refused by the vendor, is a typed error that names the placeholder", async () => {
    const exa = new Exa('exa_my_old_key', sb.vendorUrl);
    const error = await exa.search('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallerKeyRefusedError);
    expect((error as CallerKeyRefusedError).code).toBe('CALLER_KEY_REFUSED');
    expect((error as Error).message).not.toContain('exa_my_old_key');
    expect(sb.stats().purchases).toBe(1); // nothing bought for it
  });
});
