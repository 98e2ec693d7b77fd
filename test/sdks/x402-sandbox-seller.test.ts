import { ExactEvmScheme } from '@x402/evm/exact/client';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { createPayingFetch, getReceipt } from '../../src/index.js';
import { startX402Seller, X402_SANDBOX_NETWORK, type X402Seller } from '../../src/sandbox/index.js';

// The sandbox's own x402 `exact` seller (node:http and paying-fetch's codec, shipped in the
// package), paid by the official @x402/evm scheme client.

let seller: X402Seller | undefined;
afterEach(async () => {
  await seller?.close();
  seller = undefined;
});

function payer() {
  const account = privateKeyToAccount(generatePrivateKey());
  const pay = createPayingFetch({ schemes: [{ network: X402_SANDBOX_NETWORK, client: new ExactEvmScheme(account) }], policy: { budget: { perDayCents: 100 } } });
  return { account, pay };
}

describe('sandbox x402 exact seller', () => {
  it('is paid by the official exact scheme client: settled once, receipt decoded, spend counted', async () => {
    seller = await startX402Seller();
    const { account, pay } = payer();
    const res = await pay(`${seller.url}/weather`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ weather: 'sunny' });
    expect(getReceipt(res)).toMatchObject({ success: true, network: X402_SANDBOX_NETWORK });
    expect(seller.log.settled).toEqual([{ payer: account.address, amount: '10000', paymentId: null }]);
    expect((await pay.budget()).perDay?.spentCents).toBe(1);
  });

  it('carries the payment id when it declares payment-identifier', async () => {
    seller = await startX402Seller();
    const { pay } = payer();
    expect((await pay(`${seller.url}/report`)).status).toBe(200);
    expect(seller.log.settled[0]?.paymentId).toMatch(/.{8,}/);
  });

  it('refuses a replayed payment (same nonce) and a malformed one', async () => {
    seller = await startX402Seller();
    const { pay } = payer();
    let header = '';
    const spy = createPayingFetch({
      schemes: [{ network: X402_SANDBOX_NETWORK, client: new ExactEvmScheme(privateKeyToAccount(generatePrivateKey())) }],
      fetch: (input, init) => {
        const sent = new Headers(init?.headers).get('payment-signature');
        if (sent) header = sent;
        return fetch(input, init);
      },
    });
    expect((await spy(`${seller.url}/weather`)).status).toBe(200);
    const replay = await fetch(`${seller.url}/weather`, { headers: { 'payment-signature': header } });
    expect(replay.status).toBe(402);
    const malformed = await fetch(`${seller.url}/weather`, { headers: { 'payment-signature': 'bm90IGpzb24=' } });
    expect(malformed.status).toBe(402);
    expect(seller.log.settled).toHaveLength(1);
    expect((await pay(`${seller.url}/weather`)).status).toBe(200); // a fresh payment still works
  });
});
