import { afterEach, describe, expect, it } from 'vitest';
import { createPayingFetch, PaymentMayBeTakenError, PaymentOutcomeUnknownError, PaymentRejectedError, type PayingFetchOptions } from '../../src/index.js';
import type { MppMethodPlugin } from '../../src/mpp/index.js';
import { record } from '../helpers.js';
import { challenge, startHostileMppSeller, type HostileMode } from './mpp-hostile-seller.js';

// MPP sellers that misbehave, through payingFetch: what was presented stays counted, at most one
// fresh payment follows a refusal, unknown outcomes are typed errors (never a silent second
// payment), and a challenge that cannot be read never pays.

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

function counting(): { plugin: MppMethodPlugin; made: string[] } {
  const made: string[] = [];
  return {
    made,
    plugin: {
      method: 'test',
      intent: 'charge',
      createCredential: async (c) => {
        made.push(c.id);
        return { payload: { token: `secret-token-${made.length}` } };
      },
    },
  };
}

async function hostile(mode: HostileMode, extra: Partial<PayingFetchOptions> = {}) {
  const seller = await startHostileMppSeller(mode);
  closers.push(seller.close);
  const { plugin, made } = counting();
  return { seller, made, ...record(createPayingFetch({ mpp: [plugin], ...extra })) };
}

describe('an MPP seller that keeps the credential and asks again', () => {
  it.each(['keeps-credential', 'expired-code'] as const)('%s: one fresh payment at most, then PaymentRejectedError; both stay counted', async (mode) => {
    const { seller, made, pay, events } = await hostile(mode);
    const error = await pay(`${seller.url}/x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentRejectedError);
    expect(made).toEqual(['hostile-1', 'hostile-2']); // the first challenge, then one fresh one
    expect(seller.authorizations).toHaveLength(2);
    const budget = await pay.budget();
    expect(budget.unknownCents).toBe(300);
    expect(budget.lifetime.committedCents).toBe(0);
    expect(await pay.receipts()).toEqual([
      expect.objectContaining({ outcome: 'unknown', status: 402, reservedCents: 150, scheme: 'mpp:test' }),
      expect.objectContaining({ outcome: 'unknown', status: 402, reservedCents: 150, scheme: 'mpp:test' }),
    ]);
    expect((error as PaymentRejectedError).sellerMessage).toMatch(/^try again, not with /);
    for (const credential of seller.authorizations) {
      expect(String(error)).not.toContain(credential.slice('Payment '.length));
      expect(JSON.stringify(events)).not.toContain(credential.slice('Payment '.length));
    }
  });
});

describe('an MPP seller whose answer never comes', () => {
  it('drops the line after the credential: PaymentOutcomeUnknownError, counted; the retry is refused, not paid again', async () => {
    const { seller, made, pay } = await hostile('drops-after-credential');
    const error = await pay(`${seller.url}/x`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect((await pay.budget()).unknownCents).toBe(150);
    await expect(pay(`${seller.url}/x`)).rejects.toBeInstanceOf(PaymentMayBeTakenError);
    expect(made).toHaveLength(1);
    expect(seller.authorizations).toHaveLength(1);
    expect((await pay.receipts()).map((r) => r.outcome)).toEqual(['unknown']);
  });

  it('a 5xx without a receipt is an unknown outcome, still counted', async () => {
    const { seller, pay } = await hostile('fails-500');
    await expect(pay(`${seller.url}/x`)).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
    expect((await pay.budget()).unknownCents).toBe(150);
  });
});

describe('challenges that cannot be read never pay', () => {
  it('a malformed Payment challenge: the 402 goes back (invalid-challenge), no credential made or sent', async () => {
    const { seller, made, pay, events } = await hostile('malformed');
    const res = await pay(`${seller.url}/x`);
    expect(res.status).toBe(402);
    expect(made).toEqual([]);
    expect(seller.authorizations).toEqual([]);
    expect(events.find((e) => e.type === 'blocked')?.event).toMatchObject({ reason: 'invalid-challenge' });
  });

  it.each([
    ['a WWW-Authenticate over 64 KiB', `${challenge(1)}, Payment id="big", realm="${'x'.repeat(70 * 1024)}", method="test", intent="charge", request="e30"`],
    ['more than 16 challenges', Array.from({ length: 17 }, (_, i) => challenge(i + 1)).join(', ')],
    ['a request param over 16 KiB', `Payment id="r", realm="r", method="test", intent="charge", request="${'A'.repeat(17 * 1024)}"`],
  ])('%s: nothing is paid', async (_what, header) => {
    const { plugin, made } = counting();
    let calls = 0;
    const transport: typeof fetch = async () => {
      calls += 1;
      return new Response('{}', { status: 402, headers: { 'www-authenticate': header } });
    };
    const { pay, events } = record(createPayingFetch({ mpp: [plugin], fetch: transport }));
    const res = await pay('https://seller.example/x');
    expect(res.status).toBe(402);
    expect(made).toEqual([]);
    expect(calls).toBe(1);
    expect(events.find((e) => e.type === 'blocked')?.event).toMatchObject({ reason: 'invalid-challenge' });
  });
});
