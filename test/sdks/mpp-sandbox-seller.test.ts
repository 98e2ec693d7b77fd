import { Credential, Method } from 'mppx';
import { afterEach, describe, expect, it } from 'vitest';
import { createPayingFetch, getReceipt, mppxMethod } from '../../src/index.js';
import { startMppSeller, type MppSeller } from '../../src/sandbox/index.js';
import { testChargeMethod } from '../interop/mppx-seller.js';

// The sandbox's own MPP seller (shipped in the package), paid through payingFetch by an mppx client method.

const client = Method.toClient(testChargeMethod, {
  async createCredential({ challenge }) {
    return Credential.serialize({ challenge, payload: { token: 'tok' } });
  },
});

let seller: MppSeller | undefined;
afterEach(async () => {
  await seller?.close();
  seller = undefined;
});

describe('sandbox MPP seller', () => {
  it('is paid once through payingFetch: receipt decoded, price counted', async () => {
    seller = await startMppSeller();
    const pay = createPayingFetch({ mpp: [mppxMethod(client)], policy: { budget: { perDayCents: 500 } } });
    const res = await pay(`${seller.url}/report`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ report: 'paid content' });
    expect(getReceipt(res)).toMatchObject({ success: true });
    expect(seller.verified).toEqual([{ challengeId: expect.any(String), token: 'tok', amount: '150' }]);
    expect((await pay.budget()).perDay?.spentCents).toBe(150);
  });

  it('refuses a credential replayed, or for a challenge it never issued', async () => {
    seller = await startMppSeller();
    let credential = '';
    const pay = createPayingFetch({
      mpp: [mppxMethod(client)],
      fetch: (input, init) => {
        credential = new Headers(init?.headers).get('authorization') ?? credential;
        return fetch(input, init);
      },
    });
    expect((await pay(`${seller.url}/quote`)).status).toBe(200);
    expect((await fetch(`${seller.url}/quote`, { headers: { authorization: credential } })).status).toBe(402);
    const forged = `Payment ${Buffer.from(JSON.stringify({ challenge: { id: 'made-up', realm: 'sandbox.test', method: 'test', intent: 'charge', request: 'e30' }, payload: { token: 't' } })).toString('base64url')}`;
    expect((await fetch(`${seller.url}/quote`, { headers: { authorization: forged } })).status).toBe(402);
    expect(seller.verified).toHaveLength(1);
  });
});
