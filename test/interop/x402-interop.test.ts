import { ExactEvmScheme } from '@x402/evm/exact/client';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetExceededError, createPayingFetch, getReceipt, PolicyDeniedError, type PayingFetchOptions } from '../../src/index.js';
import { record, sandbox } from '../helpers.js';
import { NETWORK, startX402Seller } from './x402-seller.js';

const sellers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => Promise.all(sellers.splice(0).map((s) => s.close())));

async function seller() {
  const s = await startX402Seller();
  sellers.push(s);
  return s;
}

function agent(extra: Partial<PayingFetchOptions> = {}) {
  const account = privateKeyToAccount(generatePrivateKey());
  const recorded = record(createPayingFetch({ schemes: [{ network: NETWORK, client: new ExactEvmScheme(account) }], ...extra }));
  return { ...recorded, account };
}

describe('interop with a seller built on the official @x402/express middleware', () => {
  it('pays an exact USDC challenge with a real EIP-3009 signature, gets the receipt, prices it in cents', async () => {
    const s = await seller();
    const { pay, account, events } = agent();
    const res = await pay(`${s.url}/weather?city=x`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ weather: 'sunny' });
    expect(s.log.settled).toEqual([{ payer: account.address, amount: '10000', paymentId: null }]);
    expect(getReceipt(res)).toMatchObject({ success: true, network: NETWORK, transaction: expect.stringMatching(/^0x/) });
    const [receipt] = await pay.receipts();
    expect(receipt).toMatchObject({ scheme: 'exact', network: NETWORK, amountCents: 1, outcome: 'paid', path: '/weather' });
    expect(events.filter((e) => e.type === 'sign').map((e) => e.event)).toEqual([expect.objectContaining({ priceCents: 1, amount: '10000' })]);
    expect((await pay.budget()).lifetime.committedCents).toBe(1);
  });

  it('each call signs a fresh payload (exact payments are single use)', async () => {
    const s = await seller();
    const { pay } = agent();
    for (let i = 0; i < 3; i += 1) expect((await pay(`${s.url}/weather`)).status).toBe(200);
    expect(s.log.settled).toHaveLength(3);
    expect((await pay.budget()).lifetime.committedCents).toBe(3);
  });

  it('attaches a payment-identifier when the seller advertises it', async () => {
    const s = await seller();
    const { pay, events } = agent();
    expect((await pay(`${s.url}/report`)).status).toBe(200);
    const id = s.log.settled[0]?.paymentId;
    expect(id).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    expect((events.find((e) => e.type === 'sign')?.event as { paymentId: string }).paymentId).toBe(id);
  });

  it('the budget is checked on the entry that gets signed, before signing', async () => {
    const s = await seller();
    const { pay } = agent({ policy: { budget: { lifetimeCents: 20 } } });
    const error = await pay(`${s.url}/report`).catch((e: unknown) => e); // $0.25 > $0.20
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ requestedCents: 25, limit: 'budget.lifetime' });
    expect(s.log.settled).toHaveLength(0);
    expect((await pay(`${s.url}/weather`)).status).toBe(200); // $0.01 fits
  });

  it('a network the policy does not allow is refused before signing', async () => {
    const s = await seller();
    const { pay } = agent({ policy: { deny: { networks: [NETWORK] } } });
    await expect(pay(`${s.url}/weather`)).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(s.log.verified).toBe(0);
  });

  it('a refused payment is not retried forever, and what was signed stays counted until proven unsettled', async () => {
    const s = await seller();
    s.log.refuse = true;
    const { pay } = agent();
    const error = await pay(`${s.url}/weather`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PAYMENT_REJECTED' });
    expect(s.log.verified).toBe(2);
    // Two signed payloads were handed over: whoever holds them could still settle them.
    expect(await pay.budget()).toMatchObject({ lifetime: { reservedCents: 2, committedCents: 0 }, unknownCents: 2 });
  });

  it('works next to a Nevermined delegation: each 402 is paid the way it asks', async () => {
    const s = await seller();
    const sb = await sandbox();
    const { pay } = agent({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } });
    expect((await pay(`${s.url}/weather`)).status).toBe(200);
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    expect(s.log.settled).toHaveLength(1);
    expect(sb.stats().paidResponses).toBe(1);
  });
});

describe('x402 v1 sellers', () => {
  it('pays a v1 body challenge (maxAmountRequired, network names) with X-PAYMENT and reads X-PAYMENT-RESPONSE', async () => {
    const { ExactEvmSchemeV1 } = await import('@x402/evm/exact/v1/client');
    const { createServer } = await import('node:http');
    const seen: Array<Record<string, unknown>> = [];
    const server = createServer((req, res) => {
      const header = req.headers['x-payment'];
      if (typeof header !== 'string') {
        res.writeHead(402, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ x402Version: 1, error: 'X-PAYMENT header is required', accepts: [{ scheme: 'exact', network: 'base-sepolia', maxAmountRequired: '50000', resource: 'http://x/v1', description: 'v1', mimeType: 'application/json', payTo: '0x1111111111111111111111111111111111111111', maxTimeoutSeconds: 60, asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', extra: { name: 'USDC', version: '2' } }] }));
      }
      seen.push(JSON.parse(Buffer.from(header, 'base64').toString()));
      res.writeHead(200, { 'x-payment-response': Buffer.from(JSON.stringify({ success: true, transaction: '0xv1', network: 'base-sepolia' })).toString('base64') });
      res.end('v1 ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    sellers.push({ close: () => new Promise((r) => server.close(() => r())) });
    const account = privateKeyToAccount(generatePrivateKey());
    const pay = createPayingFetch({ schemes: [{ network: 'base-sepolia', client: new ExactEvmSchemeV1(account) as never }] });
    const res = await pay(`http://127.0.0.1:${(server.address() as { port: number }).port}/v1`);
    expect(await res.text()).toBe('v1 ok');
    expect(seen[0]).toMatchObject({ x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: { authorization: { from: account.address, value: '50000' } } });
    expect(getReceipt(res)).toMatchObject({ success: true, transaction: '0xv1' });
    expect((await pay.receipts())[0]).toMatchObject({ amountCents: 5, outcome: 'paid' });
  });
});
