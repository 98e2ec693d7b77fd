import { describe, expect, it, vi, afterEach } from 'vitest';
import { PaymentRejectedError } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { expectNoSecrets, payingFetchFor, sandbox, tokensSeen } from '../helpers.js';
import { hostileServer, nvmChallenge } from './kit.js';

afterEach(() => vi.unstubAllEnvs());

describe("the caller's credentials stay on the caller's origin, paid replays included", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`origin A answers ${status} to B, B asks for payment: B never sees A's Authorization, Cookie or X-Api-Key`, async () => {
      const sb = await sandbox();
      const a = await hostileServer((_req, res) => {
        res.writeHead(status, { location: `${sb.sellerUrl}/weather` });
        res.end();
      });
      const { pay } = payingFetchFor(sb);
      const res = await pay(`${a.url}/start`, { headers: { authorization: 'Bearer caller-secret-for-a', cookie: 'session=caller-cookie', 'x-api-key': 'caller-key-for-a' } });
      expect(res.status).toBe(200);
      expect(sb.stats().paidResponses).toBe(1);
      for (const request of sb.sellerRequests) {
        expect(request.headers.authorization).toBeUndefined();
        expect(request.headers.cookie).toBeUndefined();
        expect(request.headers['x-api-key']).toBeUndefined();
      }
      expect(a.seen[0]?.headers.authorization).toBe('Bearer caller-secret-for-a');
    });
  }

  it('across two hops (A -> B -> seller), and when the seller redirects back to A after payment', async () => {
    const sb = await sandbox();
    const b = await hostileServer((_req, res) => {
      res.writeHead(308, { location: `${sb.sellerUrl}/weather` });
      res.end();
    });
    const a = await hostileServer((_req, res) => {
      res.writeHead(307, { location: `${b.url}/hop` });
      res.end();
    });
    const { pay } = payingFetchFor(sb);
    expect((await pay(`${a.url}/start`, { headers: { authorization: 'Bearer caller-secret' } })).status).toBe(200);
    expect(b.seen.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(sb.sellerRequests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });
});

describe('every token known to the call is redacted from what a seller says', () => {
  it('a seller that echoes every token it ever received leaks none of them into the error', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200); // a reusable token is now cached for this origin
    const received: string[] = [];
    sb.route('/echo-all', { raw: (req, res) => {
      const token = req.headers['payment-signature'];
      if (typeof token === 'string') received.push(token);
      res.writeHead(402, { 'payment-required': nvmChallenge(SANDBOX_PLANS.basic), 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `refused; I have seen ${received.join(' and ')}` }));
    } });
    const error = await pay(`${sb.sellerUrl}/echo-all`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentRejectedError);
    expect(received.length).toBeGreaterThanOrEqual(2);
    expectNoSecrets([error], [...tokensSeen(sb), ...sb.world.tokensIssued()]);
    expect((error as PaymentRejectedError).sellerMessage).toContain('[redacted]');
  });
});

describe('a trickled 402 body never hangs the call', () => {
  it('when the header carries the challenge, the body is not waited for', async () => {
    const sb = await sandbox();
    const seller = await hostileServer((req, res) => {
      if (req.headers['payment-signature']) return res.end('paid');
      res.writeHead(402, { 'payment-required': nvmChallenge(SANDBOX_PLANS.basic), 'content-type': 'application/json' });
      res.write('{"message":"'); // and never more
    });
    const { pay } = payingFetchFor(sb);
    const res = await pay(`${seller.url}/trickle`);
    expect(await res.text()).toBe('paid');
  });

  it('when only the body can carry it, it is read under a deadline, then the 402 is handed back', async () => {
    const sb = await sandbox();
    const seller = await hostileServer((_req, res) => {
      res.writeHead(402, { 'content-type': 'application/json' });
      res.write('{"x402Version":1,"accepts":['); // and never more
    });
    const { pay, events } = payingFetchFor(sb, { challengeBodyTimeoutMs: 200 });
    const res = await pay(`${seller.url}/trickle`);
    expect(res.status).toBe(402);
    expect(events.map((e) => (e.event as { reason?: string }).reason)).toContain('challenge-body-timeout');
    expect(sb.stats().mints).toBe(0);
    await res.body?.cancel();
  });
});

describe('the ready-made payingFetch export', () => {
  it('is a complete PayingFetch: budget, receipts, balances, keys, spend, report, reconcile, and works with payingMcp', async () => {
    const sb = await sandbox();
    for (const [k, v] of Object.entries(sb.env())) vi.stubEnv(k, v);
    const { tempHome } = await import('../store/stores.js');
    vi.stubEnv('PAYING_FETCH_HOME', tempHome());
    const { lazyPayingFetch } = await import('../../src/fetch/from-env.js');
    const { payingMcp } = await import('../../src/index.js');
    const ready = lazyPayingFetch();
    expect((await ready(`${sb.sellerUrl}/weather`)).status).toBe(200);
    expect((await ready.budget()).lifetime.reservedCents).toBeGreaterThan(0);
    expect(await ready.receipts()).toHaveLength(1);
    expect(await ready.keys()).toEqual([]);
    expect((await ready.spend({ groupBy: 'origin' })).rows).toHaveLength(1);
    expect(await ready.report()).toContain('<html');
    expect((await ready.balances()).delegations.length).toBeGreaterThan(0);
    expect(() => payingMcp({ callTool: async () => ({}) }, ready, { serverUrl: sb.sellerUrl })).not.toThrow();
  });
});
