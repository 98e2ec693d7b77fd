import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPayingFetch, MemoryStore, PaymentOutcomeUnknownError, type PayingFetchOptions } from '../../src/index.js';

const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const closers: Array<() => void> = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/** A seller of single-use payments that drops the line after taking the first one (idempotent on a replay). */
async function droppingSeller() {
  const payments: string[] = [];
  let dropped = false;
  const server = createServer((req, res) => {
    const payment = req.headers['payment-signature'];
    if (typeof payment !== 'string') {
      const challenge = { x402Version: 2, accepts: [{ scheme: 'exact', network: 'eip155:84532', amount: '250000', asset: USDC, payTo: '0x1' }] };
      res.writeHead(402, { 'payment-required': Buffer.from(JSON.stringify(challenge)).toString('base64') });
      return void res.end();
    }
    payments.push(payment);
    if (!dropped) {
      dropped = true;
      return void req.socket.destroy(); // took the payment, never answered
    }
    res.end('the report');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/report`, payments };
}

function agent(extra: Partial<PayingFetchOptions> = {}) {
  let signed = 0;
  const client = { scheme: 'exact', createPaymentPayload: async (v: number) => ({ x402Version: v, payload: { signature: `0xsig${(signed += 1)}` } }) };
  const pay = createPayingFetch({ schemes: [{ network: 'eip155:84532', client }], ...extra });
  return { pay, signed: () => signed };
}

describe('retrying a call whose payment got no answer', () => {
  it('replays the same single-use payment: one signature, one charge', async () => {
    const seller = await droppingSeller();
    const { pay, signed } = agent();
    const first = await pay(seller.url, { method: 'POST', body: 'q=1' }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect((await pay.budget()).unknownCents).toBe(25);
    const retry = await pay(seller.url, { method: 'POST', body: 'q=1' });
    expect(await retry.text()).toBe('the report');
    expect(signed()).toBe(1);
    expect(seller.payments).toHaveLength(2);
    expect(seller.payments[1]).toBe(seller.payments[0]);
    expect((await pay.budget()).lifetime).toMatchObject({ committedCents: 25, reservedCents: 0 });
    expect((await pay.receipts()).map((r) => [r.outcome, r.amountCents])).toEqual([['unknown', undefined], ['no-receipt', 25]]);
  });

  it('a restarted agent on the same store replays it too', async () => {
    const seller = await droppingSeller();
    const store = new MemoryStore();
    await agent({ store }).pay(seller.url).catch(() => {});
    const restarted = agent({ store });
    expect(await (await restarted.pay(seller.url)).text()).toBe('the report');
    expect(restarted.signed()).toBe(0);
    expect(seller.payments[1]).toBe(seller.payments[0]);
  });

  it('a different request is not a retry: it pays for itself', async () => {
    const seller = await droppingSeller();
    const { pay, signed } = agent();
    await pay(seller.url, { method: 'POST', body: 'q=1' }).catch(() => {});
    await pay(seller.url, { method: 'POST', body: 'q=2' });
    expect(signed()).toBe(2);
  });

  it('pays afresh only when the policy says so', async () => {
    const seller = await droppingSeller();
    const { pay, signed } = agent({ policy: { freshPaymentAfterUnknown: true } });
    await pay(seller.url, { method: 'POST', body: 'q=1' }).catch(() => {});
    await pay(seller.url, { method: 'POST', body: 'q=1' });
    expect(signed()).toBe(2);
    expect(seller.payments[1]).not.toBe(seller.payments[0]);
  });
});

describe('replays belong to the payer', () => {
  it('another principal sharing the store never replays this one\'s payment', async () => {
    const { sandbox, payingFetchFor } = await import('../helpers.js');
    const sb = await sandbox();
    const store = new MemoryStore();
    const other = sb.world.createAccount();
    const card = sb.world.addCard(other.principal);
    const d = sb.world.createDelegation(other, { providerPaymentMethodId: card.id, spendingLimitCents: 2000, durationSecs: 3600 });
    const a = payingFetchFor(sb, { store });
    await a.pay(`${sb.sellerUrl}/weather`);
    sb.faults.inject('seller', { kind: 'reset' });
    await expect(a.pay(`${sb.sellerUrl}/weather`)).rejects.toBeInstanceOf(PaymentOutcomeUnknownError);
    const b = payingFetchFor(sb, { store, nevermined: { apiKey: other.apiKey, backendUrl: sb.backendUrl, delegationId: d.delegationId } });
    expect((await b.pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    const sent = sb.sellerRequests.at(-1)!.headers['payment-signature'];
    expect(sb.world.mints.filter((m) => m.principal === other.principal)).toHaveLength(1);
    expect(JSON.parse(Buffer.from(String(sent), 'base64').toString()).payload.token).toContain(Buffer.from(JSON.stringify({ sub: other.principal })).toString('base64url').slice(0, 20));
  });
});
