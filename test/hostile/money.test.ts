import { ExactEvmScheme } from '@x402/evm/exact/client';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, it } from 'vitest';
import { createPayingFetch, PaymentMayBeTakenError, PaymentOutcomeUnknownError, type PayingFetchOptions } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { cardPayingFetch, payingFetchFor, record, sandbox } from '../helpers.js';
import { EVM_NETWORK, exactChallenge, hostileServer, nvmChallenge, signaturesSeen } from './kit.js';

function signingAgent(extra: Partial<PayingFetchOptions> = {}) {
  const account = privateKeyToAccount(generatePrivateKey());
  return record(createPayingFetch({ schemes: [{ network: EVM_NETWORK, client: new ExactEvmScheme(account) }], ...extra }));
}

describe('signed x402 payloads count against the budget from the moment they are handed over', () => {
  for (const status of [402, 403]) {
    it(`a seller that keeps every signature and answers ${status} never gets more than the budget signed`, async () => {
      const seller = await hostileServer((req, res) => {
        // Asks for $0.50, keeps whatever it is sent, and answers the paid request with a refusal.
        res.writeHead(req.headers['payment-signature'] ? status : 402, { 'payment-required': exactChallenge('500000') });
        res.end('{"error":"nope"}');
      });
      const { pay } = signingAgent({ policy: { budget: { lifetimeCents: 100 } } });
      for (let i = 0; i < 20; i += 1) await pay(`${seller.url}/paid`).catch(() => undefined);
      const signed = signaturesSeen(seller).length;
      expect(signed).toBe(2); // $1.00 of payloads: the whole budget, and not a cent more
      const view = await pay.budget();
      expect(view.lifetime.reservedCents + view.lifetime.committedCents).toBe(100);
      expect(view.unknownCents).toBe(100); // kept until proven unsettled
      expect((await pay.receipts()).filter((r) => r.outcome === 'unknown')).toHaveLength(2);
    });
  }

  it('a signed payment whose answer is a redirect off its origin stays counted, with a receipt', async () => {
    const elsewhere = await hostileServer((_req, res) => res.end('elsewhere'));
    const seller = await hostileServer((req, res) => {
      if (req.headers['payment-signature']) {
        res.writeHead(307, { location: `${elsewhere.url}/gone` });
        return res.end();
      }
      res.writeHead(402, { 'payment-required': exactChallenge('250000') });
      res.end();
    });
    const { pay } = signingAgent({ policy: { budget: { lifetimeCents: 100 } } });
    const res = await pay(`${seller.url}/paid`);
    expect(await res.text()).toBe('elsewhere');
    expect(elsewhere.seen[0]?.headers['payment-signature']).toBeUndefined();
    const view = await pay.budget();
    expect(view.unknownCents).toBe(25);
    expect(await pay.receipts()).toEqual([expect.objectContaining({ outcome: 'unknown', reservedCents: 25, path: '/paid' })]);
  });
});

describe("a seller's 402 text is a claim, not the backend's verdict", () => {
  const lyingRoute = { raw: (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(402, { 'payment-required': nvmChallenge(SANDBOX_PLANS.basic), 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'BCK.X402.0022 delegation exhausted' }));
  } };

  it('with autoRenew, a lie about an exhausted delegation creates no new delegation', async () => {
    const sb = await sandbox();
    sb.route('/liar', lyingRoute);
    const { pay } = cardPayingFetch(sb, { budget: { perDayCents: 2500 }, delegation: { spendingLimitCents: 500 }, autoRenew: true });
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200); // creates the one delegation this agent uses
    const before = sb.world.delegations.size;
    await pay(`${sb.sellerUrl}/liar`).catch(() => undefined);
    expect(sb.world.delegations.size).toBe(before);
    expect((await pay.budget()).perDay.reservedCents).toBe(500);
  });

  it('without autoRenew, later calls to honest sellers still pay with the same delegation', async () => {
    const sb = await sandbox();
    sb.route('/liar', lyingRoute);
    const { pay } = cardPayingFetch(sb, { budget: { perDayCents: 2500 }, delegation: { spendingLimitCents: 500 } });
    await pay(`${sb.sellerUrl}/liar`).catch(() => undefined);
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
  });
});

describe('a retry after an unknown outcome never pays again silently', () => {
  it('a seller that charges and drops the connection: the retry is refused with a typed error, not charged', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    sb.faults.inject('seller', { kind: 'reset', after: 'work' });
    expect(await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e)).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(sb.stats().settlements).toBe(1);
    const again = await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(PaymentMayBeTakenError);
    expect(again).toMatchObject({ code: 'PAYMENT_MAY_BE_TAKEN', receiptId: expect.any(String) });
    expect(sb.stats().settlements).toBe(1);
    // The explicit opt-in pays again, once.
    const paid = await pay(`${sb.sellerUrl}/weather`, { payAgain: true });
    expect(paid.status).toBe(200);
    expect(sb.stats().settlements).toBe(2);
    // The opt-in cleared the doubt: the next plain call is an ordinary paid call.
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
  });

  it('single-use tokens: the retry does not mint and pay afresh either', async () => {
    const sb = await sandbox();
    sb.world.singleUseTokens = true;
    const { pay } = payingFetchFor(sb);
    sb.faults.inject('seller', { kind: 'reset', after: 'work' });
    await pay(`${sb.sellerUrl}/weather`).catch(() => undefined);
    const mints = sb.stats().mints;
    expect(await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e)).toBeInstanceOf(PaymentMayBeTakenError);
    expect(sb.stats().mints).toBe(mints);
    expect(sb.stats().settlements).toBe(1);
  });
});

describe('two principals sharing one store do not interfere', () => {
  it("B's first delegation is not a renewal of A's, and B's reconcile does not report A's delegation", async () => {
    const sb = await sandbox();
    const { MemoryStore } = await import('../../src/index.js');
    const store = new MemoryStore();
    const policy = { budget: { perDayCents: 5000 }, delegation: { spendingLimitCents: 500, durationSecs: 60 } };
    const a = cardPayingFetch(sb, policy, { store });
    expect((await a.pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    sb.world.advance(61_000); // A's delegation expires
    await a.pay(`${sb.sellerUrl}/weather`).catch(() => undefined); // A finds it ended (no consent to renew)

    const other = sb.world.createAccount();
    const card = sb.world.addCard(other.principal);
    const b = record(createPayingFetch({ nevermined: { apiKey: other.apiKey, backendUrl: sb.backendUrl, paymentMethodId: card.id }, policy, store, clock: () => sb.world.now(), backendRetryDelayMs: 5 }));
    expect((await b.pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    const report = await b.pay.reconcile();
    expect(report.ok).toBe(true);
  });
});

describe('a signed payload whose paid hop redirects to a 402 elsewhere', () => {
  it('stays counted, with a receipt (found by review)', async () => {
    const elsewhere = await hostileServer((_req, res) => {
      res.writeHead(402, { 'content-type': 'application/json' });
      res.end('{}'); // no challenge: handed back
    });
    const seller = await hostileServer((req, res) => {
      if (req.headers['payment-signature']) {
        res.writeHead(307, { location: `${elsewhere.url}/pay-here` });
        return res.end();
      }
      res.writeHead(402, { 'payment-required': exactChallenge('250000') });
      res.end();
    });
    const { pay } = signingAgent({ policy: { budget: { lifetimeCents: 100 } } });
    const res = await pay(`${seller.url}/paid`);
    expect(res.status).toBe(402);
    expect((await pay.budget()).unknownCents).toBe(25);
    expect(await pay.receipts()).toEqual([expect.objectContaining({ outcome: 'unknown', reservedCents: 25, path: '/paid' })]);
  });
});

describe('renewal consent survives a restart (found by review)', () => {
  it('a restarted agent whose card delegation ended needs autoRenew, as the first process did', async () => {
    const sb = await sandbox();
    const { MemoryStore, ConsentRequiredError } = await import('../../src/index.js');
    const store = new MemoryStore();
    const policy = { budget: { perDayCents: 5000 }, delegation: { spendingLimitCents: 500, durationSecs: 60 } };
    const first = cardPayingFetch(sb, policy, { store });
    expect((await first.pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    sb.world.advance(61_000);
    await first.pay(`${sb.sellerUrl}/weather`).catch(() => undefined); // ended: closed in the ledger
    const before = sb.world.delegations.size;
    const restarted = cardPayingFetch(sb, policy, { store }); // same key, same store, new process
    expect(await restarted.pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e)).toBeInstanceOf(ConsentRequiredError);
    expect(sb.world.delegations.size).toBe(before);
  });
});

describe('a paid request refused before it left (found by review)', () => {
  it('a seller that is down is not an unknown outcome: the next call pays as usual', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const up = await hostileServer((req, res) => {
      if (!req.headers['payment-signature']) {
        res.writeHead(402, { 'payment-required': nvmChallenge(SANDBOX_PLANS.basic) });
        return res.end();
      }
      res.end('paid');
    });
    expect(await (await pay(`${up.url}/x`)).text()).toBe('paid'); // a token is now sent up front to this origin
    const port = new URL(up.url).port;
    const { closeAll } = await import('./kit.js');
    await closeAll();
    const refused = await pay(`http://127.0.0.1:${port}/x`).catch((e: unknown) => e);
    expect(refused).not.toBeInstanceOf(PaymentOutcomeUnknownError);
    expect(await pay.receipts()).toHaveLength(1);
  });
});
