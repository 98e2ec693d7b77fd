import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createPayingFetch, Permit2AllowanceRequiredError, PolicyDeniedError } from '../../src/index.js';
import { selectEntry, type SelectionContext } from '../../src/engine/select-entry.js';
import { parsePolicy } from '../../src/policy/policy.js';
import { priceInCents } from '../../src/x402/assets.js';
import type { PaymentRequired } from '../../src/x402/schemas.js';

const USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const stub = (scheme = 'exact') => ({ scheme, createPaymentPayload: async (v: number) => ({ x402Version: v, payload: { signature: '0xstub' } }) });
const entry = (over: Record<string, unknown> = {}) => ({ scheme: 'exact', network: 'eip155:84532', amount: '10000', asset: USDC, payTo: '0x1', ...over });
const challenge = (...accepts: Array<Record<string, unknown>>) => ({ x402Version: 2, accepts }) as PaymentRequired;
const ctx = (over: Partial<SelectionContext> = {}): SelectionContext => ({ origin: 'https://s.io', policy: parsePolicy({}), nevermined: false, plugins: [{ network: 'eip155:84532', client: stub() }], ...over });

describe('choosing what to pay among accepts[]', () => {
  it('prices atomic amounts in cents from the asset decimals, rounding up', () => {
    expect(priceInCents(entry({ amount: '10000' }) as never)).toBe(1);
    expect(priceInCents(entry({ amount: '10001' }) as never)).toBe(2);
    expect(priceInCents(entry({ amount: '123456789012345678901234567890' }) as never)).toBe(Number.MAX_SAFE_INTEGER);
    expect(priceInCents(entry({ asset: '0xunknown' }) as never)).toBeUndefined();
  });

  it('prefers the authorization flow over upfront, then the cheapest', () => {
    const picked = selectEntry(challenge(entry({ amount: '5000', extra: { paymentFlow: 'upfront' } }), entry({ amount: '90000' }), entry({ amount: '20000' })), ctx());
    expect(picked).toMatchObject({ kind: 'chosen', candidate: { flow: 'authorization', priceCents: 2 } });
  });

  it('skips what it cannot pay (no plugin, unknown flow) and says why when nothing is left', () => {
    expect(selectEntry(challenge(entry({ network: 'solana:mainnet' }), entry({ extra: { paymentFlow: 'escrow' } })), ctx())).toMatchObject({ kind: 'unpayable', reason: 'unknown-scheme' });
  });

  it('refuses unknown assets unless the policy lists them', () => {
    const odd = entry({ asset: '0xABCDEF', amount: '3' });
    expect(() => selectEntry(challenge(odd), ctx())).toThrow(PolicyDeniedError);
    const policy = parsePolicy({ assets: { 'eip155:84532:0xabcdef': { decimals: 0, centsPerUnit: 50 } } });
    expect(selectEntry(challenge(odd), ctx({ policy }))).toMatchObject({ kind: 'chosen', candidate: { priceCents: 150 } });
  });

  it('applies allow and deny lists to each entry, keeping the allowed ones', () => {
    const policy = parsePolicy({ deny: { networks: ['eip155:84532'] } });
    const picked = selectEntry(challenge(entry(), entry({ network: 'eip155:8453', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' })), ctx({ policy, plugins: [{ network: 'eip155:84532', client: stub() }, { network: 'eip155:8453', client: stub() }] }));
    expect(picked).toMatchObject({ kind: 'chosen', candidate: { entry: { network: 'eip155:8453' } } });
  });

  it('a user hook has the last word, among payable entries only', () => {
    const c = challenge(entry({ amount: '10000' }), entry({ amount: '90000' }));
    expect(selectEntry(c, ctx({ select: (cands) => cands.at(-1) }))).toMatchObject({ candidate: { priceCents: 9 } });
    expect(selectEntry(c, ctx({ select: () => undefined }))).toMatchObject({ kind: 'unpayable', reason: 'declined' });
    expect(() => selectEntry(c, ctx({ select: () => ({ entry: entry(), kind: 'scheme', plugin: { network: 'eip155:84532', client: stub() }, priceCents: 0, flow: 'authorization' }) }))).toThrow(PolicyDeniedError);
  });
});

describe('412 permit2_allowance_required', () => {
  async function permit2Seller() {
    let allowance = false;
    let paid = 0;
    const server = createServer((req, res) => {
      if (!req.headers['payment-signature']) {
        res.writeHead(402, { 'payment-required': Buffer.from(JSON.stringify(challenge(entry({ extra: { assetTransferMethod: 'permit2' } })))).toString('base64') });
        return void res.end();
      }
      if (!allowance) {
        res.writeHead(412, { 'content-type': 'application/json' });
        return void res.end('{"error":"permit2_allowance_required"}');
      }
      paid += 1;
      res.end('paid');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/x`, approve: () => (allowance = true), paid: () => paid, close: () => server.close() };
  }

  it('is a typed error, not a loop; the payload handed over stays counted (a later allowance could settle it)', async () => {
    const s = await permit2Seller();
    const pay = createPayingFetch({ schemes: [{ network: 'eip155:84532', client: stub() }] });
    const error = await pay(s.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Permit2AllowanceRequiredError);
    expect(error).toMatchObject({ code: 'PERMIT2_ALLOWANCE_REQUIRED', network: 'eip155:84532' });
    expect(await pay.budget()).toMatchObject({ lifetime: { reservedCents: 1, committedCents: 0 }, unknownCents: 1 });
    s.close();
  });

  it('or a hook that sets the allowance, after which the call is paid once', async () => {
    const s = await permit2Seller();
    let asked = 0;
    const pay = createPayingFetch({ schemes: [{ network: 'eip155:84532', client: stub() }], onPermit2AllowanceRequired: async () => { asked += 1; s.approve(); return true; } });
    expect(await (await pay(s.url)).text()).toBe('paid');
    expect(asked).toBe(1);
    expect(s.paid()).toBe(1);
    expect((await pay.budget()).lifetime.committedCents).toBe(1);
    s.close();
  });
});
