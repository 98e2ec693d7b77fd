import { describe, expect, it } from 'vitest';
import { PaymentRejectedError } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { expectNoSecrets, payingFetchFor, sandbox, tokensSeen } from '../helpers.js';

describe('token reuse', () => {
  it('20 sequential calls cost exactly one mint, sent up front after the first 402', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    for (let i = 0; i < 20; i += 1) expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    expect(sb.stats()).toMatchObject({ mints: 1, mintRequests: 1, challenges: 1, sellerRequests: 21, paidResponses: 20 });
  });

  it('20 concurrent first calls share one mint', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => pay(`${sb.sellerUrl}/weather`).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sb.stats().mints).toBe(1);
  });

  it('a token minted for one route is sent up front to other routes of that host', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    await pay(`${sb.sellerUrl}/weather`);
    await pay(`${sb.sellerUrl}/echo`, { method: 'POST', body: 'hi' });
    expect(sb.stats()).toMatchObject({ mints: 1, challenges: 1 });
  });

  it('a refused cached token is dropped and re-minted once', async () => {
    const sb = await sandbox();
    const { pay, events } = payingFetchFor(sb);
    await pay(`${sb.sellerUrl}/weather`);
    sb.world.forgetTokens();
    const res = await pay(`${sb.sellerUrl}/weather`);
    expect(res.status).toBe(200);
    expect(sb.stats().mints).toBe(2);
    expect(events.filter((e) => e.type === 'mint').map((e) => (e.event as { reason: string }).reason)).toEqual(['first', 'refused']);
    // The next call uses the new token: no third mint.
    await pay(`${sb.sellerUrl}/weather`);
    expect(sb.stats().mints).toBe(2);
  });

  it('a second refusal is a typed error with the seller message, never a loop', async () => {
    const sb = await sandbox();
    sb.route('/hostile', { planId: SANDBOX_PLANS.basic, alwaysChallenge: true });
    const { pay } = payingFetchFor(sb);
    const error = await pay(`${sb.sellerUrl}/hostile`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentRejectedError);
    expect(error).toMatchObject({ code: 'PAYMENT_REJECTED', sellerMessage: expect.stringContaining('Token not accepted') });
    expect(sb.stats()).toMatchObject({ mints: 2, sellerRequests: 3, charges: 0 });
    expectNoSecrets([error], [sb.apiKey, ...tokensSeen(sb)]);
  });

  it('single-use (v3) tokens are never reused: one mint per paid call', async () => {
    const sb = await sandbox();
    sb.world.singleUseTokens = true;
    const { pay } = payingFetchFor(sb);
    for (let i = 0; i < 3; i += 1) expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    const tokens = tokensSeen(sb);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(sb.stats()).toMatchObject({ paidResponses: 3, mints: 3 });
  });

  it('concurrent calls never share a single-use token', async () => {
    const sb = await sandbox();
    sb.world.singleUseTokens = true;
    const { pay } = payingFetchFor(sb);
    const statuses = await Promise.all(Array.from({ length: 5 }, () => pay(`${sb.sellerUrl}/weather`).then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const tokens = tokensSeen(sb);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('two payingFetch instances on two delegations never share tokens', async () => {
    const sb = await sandbox();
    const other = sb.world.createDelegation(sb.world.accounts.get(sb.apiKey)!, { providerPaymentMethodId: sb.paymentMethodId, spendingLimitCents: 500, durationSecs: 3600 });
    const a = payingFetchFor(sb);
    const b = payingFetchFor(sb, { nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: other.delegationId } });
    await a.pay(`${sb.sellerUrl}/weather`);
    await b.pay(`${sb.sellerUrl}/weather`);
    expect(sb.world.mints.map((m) => m.delegationId)).toEqual([sb.delegationId, other.delegationId]);
  });
});
