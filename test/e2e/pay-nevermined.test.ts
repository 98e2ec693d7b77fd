import { describe, expect, it } from 'vitest';
import { getReceipt } from '../../src/index.js';
import { SANDBOX_PLANS } from '../../src/sandbox/index.js';
import { expectNoSecrets, payingFetchFor, sandbox, tokensSeen } from '../helpers.js';

describe('payingFetch pays a Nevermined 402', () => {
  it('mints with the entry of a v2 header challenge and replays with payment-signature', async () => {
    const sb = await sandbox();
    const { pay, count } = payingFetchFor(sb);
    const res = await pay(`${sb.sellerUrl}/weather?city=Lisbon`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, path: '/weather' });
    expect(sb.world.mints).toEqual([expect.objectContaining({ planId: SANDBOX_PLANS.basic, scheme: 'nvm:card-delegation', network: 'stripe', delegationId: sb.delegationId })]);
    const [unpaid, paid] = sb.sellerRequests;
    expect(unpaid?.paid).toBe(false);
    expect(paid?.headers['payment-signature']).toEqual(expect.any(String));
    expect(paid?.path).toBe('/weather?city=Lisbon');
    expect(count('mint')).toBe(1);
    expect(count('payment')).toBe(1);
    expect(count('receipt')).toBe(1);
  });

  it('mints for the agent the 402 names', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    expect((await pay(`${sb.sellerUrl}/premium`)).status).toBe(200);
    expect(sb.world.mints[0]).toMatchObject({ planId: SANDBOX_PLANS.premium, agentId: 'agent-premium' });
  });

  it('exposes the decoded receipt of a paid response, charge included', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const first = await pay(`${sb.sellerUrl}/weather`);
    expect(getReceipt(first)).toMatchObject({ success: true, network: 'stripe', creditsRedeemed: '1', remainingBalance: '9', orderTx: sb.world.charges[0]?.providerTransactionId });
    const second = await pay(`${sb.sellerUrl}/weather`);
    expect(getReceipt(second)).toMatchObject({ remainingBalance: '8' });
    expect(getReceipt(second)?.orderTx).toBeUndefined();
    expect(sb.stats()).toMatchObject({ charges: 1, chargedCents: 100, settlements: 2 });
  });

  it('pays an x402 v1 challenge from the body with X-PAYMENT and reads x-payment-response', async () => {
    const sb = await sandbox();
    sb.route('/v1', { planId: SANDBOX_PLANS.basic, challenge: 'body-v1' });
    const { pay } = payingFetchFor(sb);
    const res = await pay(`${sb.sellerUrl}/v1`);
    expect(res.status).toBe(200);
    expect(sb.sellerRequests[1]?.headers['x-payment']).toEqual(expect.any(String));
    expect(sb.sellerRequests[1]?.headers['payment-signature']).toBeUndefined();
    expect(getReceipt(res)?.success).toBe(true);
  });

  it('pays a v2 challenge carried in the body', async () => {
    const sb = await sandbox();
    sb.route('/v2-body', { planId: SANDBOX_PLANS.basic, challenge: 'body-v2' });
    const { pay } = payingFetchFor(sb);
    expect((await pay(`${sb.sellerUrl}/v2-body`)).status).toBe(200);
    expect(sb.stats().mints).toBe(1);
  });

  it('reads a base64url challenge under an upper-case header name', async () => {
    const sb = await sandbox();
    sb.route('/odd', { planId: SANDBOX_PLANS.basic, encoding: 'base64url', headerName: 'PAYMENT-REQUIRED' });
    const { pay } = payingFetchFor(sb);
    expect((await pay(`${sb.sellerUrl}/odd`)).status).toBe(200);
    expect(sb.stats().mints).toBe(1);
  });

  it('a free route costs nothing: no mint, no settlement, no receipt', async () => {
    const sb = await sandbox();
    const { pay, count } = payingFetchFor(sb);
    const cold = await pay(`${sb.sellerUrl}/free`);
    expect(cold.status).toBe(200);
    expect(sb.sellerRequests[0]?.paid).toBe(false);
    await pay(`${sb.sellerUrl}/weather`);
    // The host asked for a plan once: its token now goes up front, but a free route settles nothing.
    const warm = await pay(`${sb.sellerUrl}/free`);
    expect(warm.status).toBe(200);
    expect(sb.stats()).toMatchObject({ mints: 1, settlements: 1, charges: 1 });
    expect(count('receipt')).toBe(2);
  });

  it('puts no API key or token in any event', async () => {
    const sb = await sandbox();
    const { pay, events } = payingFetchFor(sb);
    await pay(`${sb.sellerUrl}/weather`);
    await pay(`${sb.sellerUrl}/premium`);
    const tokens = tokensSeen(sb);
    expect(tokens.length).toBeGreaterThan(0);
    expectNoSecrets(events, [sb.apiKey, ...tokens]);
  });
});
