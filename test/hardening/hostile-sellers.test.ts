import { describe, expect, it } from 'vitest';
import { getReceipt, PaymentMayBeTakenError, PaymentOutcomeUnknownError } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { cardPayingFetch, payingFetchFor, sandbox, tokensSeen } from '../helpers.js';

const challenge = (planId: string) => Buffer.from(JSON.stringify({ x402Version: 2, accepts: [{ scheme: 'nvm:card-delegation', network: 'stripe', planId }] })).toString('base64');

describe('hostile and broken sellers', () => {
  it('a seller that switches plan between the 402 and the paid retry: bounded, typed, no charge', async () => {
    const sb = await sandbox();
    let flip = 0;
    sb.route('/switch', { raw: (_req, res) => {
      flip += 1;
      res.writeHead(402, { 'payment-required': challenge(flip % 2 ? SANDBOX_PLANS.basic : SANDBOX_PLANS.metered) });
      res.end('{"message":"pay again"}');
    } });
    const { pay } = payingFetchFor(sb);
    const error = await pay(`${sb.sellerUrl}/switch`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PAYMENT_REJECTED' });
    expect(sb.sellerRequests.length).toBeLessThanOrEqual(6);
    expect(sb.stats().charges).toBe(0);
    // Each paid retry carries a token for exactly the plan the previous 402 named.
    const named = (i: number) => (i % 2 === 0 ? SANDBOX_PLANS.basic : SANDBOX_PLANS.metered); // what answer i asked for
    sb.sellerRequests.forEach((request, i) => {
      const token = request.headers['payment-signature'];
      if (i === 0) return expect(token).toBeUndefined();
      const planId = JSON.parse(Buffer.from(String(token), 'base64').toString()).accepted.planId;
      expect(planId).toBe(named(i - 1));
    });
  });

  it('a 402 with a huge body is read only as far as needed, and handed back whole', async () => {
    const sb = await sandbox();
    const big = JSON.stringify({ x402Version: 1, accepts: [{ scheme: 'exact', network: 'base' }], pad: 'x'.repeat(2 * 1024 * 1024) });
    sb.route('/big', { raw: (_req, res) => { res.writeHead(402, { 'content-type': 'application/json' }); res.end(big); } });
    const { pay, events } = payingFetchFor(sb);
    const res = await pay(`${sb.sellerUrl}/big`);
    expect(res.status).toBe(402);
    expect((await res.text()).length).toBe(big.length);
    expect(events.map((e) => (e.event as { reason: string }).reason)).toEqual(['no-challenge']);
    expect(sb.stats().mints).toBe(0);
  });

  it('a malformed receipt does not lose the paid response', async () => {
    const sb = await sandbox();
    const { pay, events } = payingFetchFor(sb);
    await pay(`${sb.sellerUrl}/weather`);
    sb.route('/bad-receipt', { raw: (_req, res) => { res.writeHead(200, { 'payment-response': 'not-base64!!' }); res.end('paid content'); } });
    const res = await pay(`${sb.sellerUrl}/bad-receipt`);
    expect(await res.text()).toBe('paid content');
    expect(getReceipt(res)).toBeUndefined();
    expect(events.some((e) => (e.event as { reason?: string }).reason === 'invalid-receipt')).toBe(true);
    expect((await pay.receipts()).at(-1)).toMatchObject({ path: '/bad-receipt', outcome: 'no-receipt' });
  });

  it('a 5xx after the paid request is an unknown outcome; a retry pays nothing unless told to, then reuses the same token', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { lifetimeCents: 5000 } });
    await pay(`${sb.sellerUrl}/weather`);
    sb.faults.inject('seller', { kind: 'status', status: 502, message: 'bad gateway' });
    const error = await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    const reservedBefore = (await pay.budget()).lifetime.reservedCents;
    const requests = sb.sellerRequests.length;
    expect(await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e)).toBeInstanceOf(PaymentMayBeTakenError);
    expect(sb.sellerRequests.length).toBe(requests); // nothing was sent
    expect((await pay(`${sb.sellerUrl}/weather`, { payAgain: true })).status).toBe(200);
    const tokens = tokensSeen(sb);
    expect(new Set(tokens).size).toBe(1); // one token throughout: no second payment was made up
    expect(sb.stats().mints).toBe(1);
    expect((await pay.budget()).lifetime.reservedCents).toBe(reservedBefore);
  });
});

describe('a seller that echoes the token it refuses', () => {
  it('never gets the token into the error', async () => {
    const sb = await sandbox();
    sb.route('/echo-token', { raw: (req, res) => {
      const token = req.headers['payment-signature'];
      res.writeHead(402, { 'payment-required': challenge(SANDBOX_PLANS.basic), 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `${"x".repeat(900)} refused token ${String(token)}` })); // the token straddles the 1000-char cut
    } });
    const error = await payingFetchFor(sb).pay(`${sb.sellerUrl}/echo-token`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PAYMENT_REJECTED', sellerMessage: expect.stringContaining('[redacted]') });
    const { expectNoSecrets } = await import('../helpers.js');
    expectNoSecrets([error], sb.world.tokensIssued());
  });
});
