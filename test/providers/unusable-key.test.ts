import { describe, expect, it } from 'vitest';
import { ConsentRequiredError, MemoryStore, UnusableKeyError } from '../../src/index.js';
import { EXA_PLAN_ID } from '../../src/sandbox/index.js';
import { exaPayingFetch, expectNoSecrets, sandbox } from '../helpers.js';

const BAD_KEYS: Array<[string, string]> = [
  ['CR/LF', 'exa_0123456789\r\nx-injected: yes'],
  ['NUL', 'exa_0123456789\0abcdef'],
  ['over 512 characters', 'exa_' + 'a'.repeat(600)],
  ['spaces', 'exa_0123 4567 89ab'],
];

describe('a vendor key no header can carry', () => {
  it.each(BAD_KEYS)('a key with %s is never stored: the purchase is recorded as paid and a typed error names the provider, never the key', async (_what, bad) => {
    const sb = await sandbox();
    sb.vendor.settings.soldKey = bad;
    const store = new MemoryStore();
    const { search, pay, events } = exaPayingFetch(sb, { store });
    const error = await search().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnusableKeyError);
    expect(error).toMatchObject({ code: 'PROVIDER_KEY_UNUSABLE', provider: 'exa' });
    // Paid: one charge, its receipt, its reservation committed.
    expect(sb.world.charges.filter((c) => c.planId === EXA_PLAN_ID)).toHaveLength(1);
    expect(await pay.receipts()).toMatchObject([{ provider: 'exa', outcome: 'paid', amountCents: 700 }]);
    expect((await store.entries({ kinds: ['pack'] })).map((e) => e.state)).toEqual(['committed']);
    // The key went nowhere: not to the vendor's API, not into the store, errors, events or receipts.
    expect(sb.vendor.counters.calls.filter((c) => c.apiKey !== undefined)).toEqual([]);
    expectNoSecrets([error, events, await pay.receipts(), await pay.keys(), await store.keys()], [bad]);
    // The next call is a top-up (consent), never a transport error quoting the key.
    const next = await search().catch((e: unknown) => e);
    expect(next).toBeInstanceOf(ConsentRequiredError);
    expectNoSecrets([next], [bad]);
  });

  it('a key stored before keys were checked is never sent: with consent a usable one is bought', async () => {
    const sb = await sandbox();
    const store = new MemoryStore();
    const bad = 'exa_legacy0123\r\nx-injected: yes';
    await store.putKey({ id: `exa:${EXA_PLAN_ID}:${sb.principal}`, provider: 'exa', planId: EXA_PLAN_ID, principal: sb.principal, apiKey: bad, createdAt: Date.now(), purchases: 1 });
    const { search } = exaPayingFetch(sb, { store, policy: { autoTopUp: true } });
    const res = await search();
    expect(res.status).toBe(200);
    const sold = sb.vendor.keys.get(sb.principal)!.apiKey;
    expect(sb.vendor.counters.calls.map((c) => c.apiKey)).toEqual([undefined, sold]);
  });

  it('a transport error quoting the key header is rethrown typed, without the key', async () => {
    const sb = await sandbox();
    let refused: string | undefined;
    // A transport that refuses the key header the way undici does: quoting the value.
    const transport: typeof fetch = async (input, init) => {
      const value = new Headers(init?.headers).get('x-api-key');
      if (value) {
        refused = value;
        throw new TypeError(`Headers.append: "${value}" is an invalid header value.`);
      }
      return fetch(input, init);
    };
    const { search } = exaPayingFetch(sb, { fetch: transport });
    const error = await search().catch((e: unknown) => e);
    expect(refused).toMatch(/^exa_/);
    expect(error).toBeInstanceOf(UnusableKeyError);
    expect(error).toMatchObject({ code: 'PROVIDER_KEY_UNUSABLE', provider: 'exa' });
    expectNoSecrets([error], [refused!]);
  });
});
