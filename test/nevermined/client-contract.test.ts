import { describe, expect, it } from 'vitest';
import { createPayingFetch, MemoryStore, type PayingFetchOptions } from '../../src/index.js';
import { DelegationExhaustedError, DelegationExpiredError, DelegationUnusableError, InvalidApiKeyError, NeverminedBackendError } from '../../src/errors/index.js';
import { NeverminedRestClient, NeverminedSdkAdapter, type NeverminedClient } from '../../src/nevermined/index.js';
import { SANDBOX_PLANS, type Sandbox } from '../../src/sandbox/index.js';
import { sandbox } from '../helpers.js';
import { FakePayments } from './fake-payments-sdk.js';

// One contract, two implementations: the built-in REST client, and the adapter over a user's
// Payments instance. Both must behave the same for everything paying-fetch relies on.
type Nevermined = { apiKey: string; backendUrl: string } | { payments: FakePayments; principal: string };
type Make = (sb: Sandbox, apiKey?: string) => { client: NeverminedClient; options: PayingFetchOptions; nevermined: Nevermined };
const implementations: Array<[string, Make]> = [
  ['REST client', (sb, apiKey = sb.apiKey) => ({
    client: new NeverminedRestClient({ apiKey, backendUrl: sb.backendUrl, retryDelayMs: 5 }),
    options: { nevermined: { apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } },
    nevermined: { apiKey, backendUrl: sb.backendUrl },
  })],
  ['Payments SDK adapter', (sb, apiKey = sb.apiKey) => {
    const payments = new FakePayments(apiKey, sb.backendUrl);
    return {
      client: new NeverminedSdkAdapter({ payments, principal: sb.principal, retryDelayMs: 5 }),
      options: { nevermined: { payments, principal: sb.principal, delegationId: sb.delegationId } },
      nevermined: { payments, principal: sb.principal },
    };
  }],
];

/** The same key with a signature the backend does not know. */
const forged = (apiKey: string) => apiKey.slice(0, -4) + (apiKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
const mintFor = (sb: Sandbox) => ({ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.basic, delegationId: sb.delegationId });

describe.each(implementations)('NeverminedClient contract: %s', (_name, make) => {
  it('mints a token for the exact entry and delegation', async () => {
    const sb = await sandbox();
    const { client } = make(sb);
    const { accessToken } = await client.mint({ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.premium, agentId: 'agent-premium', delegationId: sb.delegationId });
    expect(accessToken.length).toBeGreaterThan(20);
    expect(sb.world.mints).toEqual([expect.objectContaining({ planId: SANDBOX_PLANS.premium, agentId: 'agent-premium', scheme: 'nvm:card-delegation', network: 'stripe', delegationId: sb.delegationId })]);
  });

  it('knows the principal of the key', async () => {
    const sb = await sandbox();
    expect(make(sb).client.principal).toBe(sb.principal);
  });

  it('lists cards and delegations, and creates one', async () => {
    const sb = await sandbox();
    const { client } = make(sb);
    expect((await client.listPaymentMethods()).map((p) => p.id)).toEqual([sb.paymentMethodId]);
    const { delegationId } = await client.createDelegation({ provider: 'stripe', providerPaymentMethodId: sb.paymentMethodId, spendingLimitCents: 700, durationSecs: 3600, currency: 'usd' });
    const all = await client.listDelegations();
    expect(all.map((d) => d.delegationId).sort()).toEqual([sb.delegationId, delegationId].sort());
    const created = await client.getDelegation(delegationId);
    expect(created).toMatchObject({ status: 'Active', spendingLimitCents: 700, remainingBudgetCents: 700 });
  });

  it('turns an expired delegation into DelegationExpiredError with its BCK code', async () => {
    const sb = await sandbox();
    sb.world.advance(31 * 24 * 3600 * 1000);
    const error = await make(sb).client.mint({ scheme: 'nvm:card-delegation', network: 'stripe', planId: SANDBOX_PLANS.basic, delegationId: sb.delegationId }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelegationExpiredError);
    expect(error).toMatchObject({ bckCode: 'BCK.X402.0021', status: 402 });
  });

  it('a revoked delegation is DelegationUnusableError (BCK.X402.0020)', async () => {
    const sb = await sandbox();
    sb.world.delegations.get(sb.delegationId)!.revoked = true;
    const error = await make(sb).client.mint(mintFor(sb)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelegationUnusableError);
    expect(error).toMatchObject({ bckCode: 'BCK.X402.0020', status: 402, retryable: false });
  });

  it('an exhausted delegation is DelegationExhaustedError (BCK.X402.0022)', async () => {
    const sb = await sandbox();
    const d = sb.world.delegations.get(sb.delegationId)!;
    d.amountSpentCents = d.spendingLimitCents;
    const error = await make(sb).client.mint(mintFor(sb)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelegationExhaustedError);
    expect(error).toMatchObject({ bckCode: 'BCK.X402.0022', status: 402 });
  });

  it('a bad API key is InvalidApiKeyError on delegation calls and on mint', async () => {
    const sb = await sandbox();
    const { client } = make(sb, forged(sb.apiKey));
    for (const call of [() => client.listDelegations(), () => client.listPaymentMethods(), () => client.mint(mintFor(sb))]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidApiKeyError);
      expect(error).toMatchObject({ bckCode: 'BCK.APIKEY.0004', status: 401 });
    }
  });

  it('one transient 503 (BCK.X402.0051) on mint is retried: one token, two mint requests', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 503, code: 'BCK.X402.0051', message: 'Upstream unavailable' });
    const { accessToken } = await make(sb).client.mint(mintFor(sb));
    expect(accessToken.length).toBeGreaterThan(20);
    expect(sb.stats()).toMatchObject({ mints: 1, mintRequests: 2 });
  });

  it('a backend that stays unavailable is asked 4 times (3 retries), then a retryable error', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 503, code: 'BCK.X402.0051', message: 'Upstream unavailable' }, 10);
    const error = await make(sb).client.mint(mintFor(sb)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeverminedBackendError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    expect(sb.stats()).toMatchObject({ mints: 0, mintRequests: 4 });
  });

  it('a refusal is not retried: one mint request for a revoked delegation', async () => {
    const sb = await sandbox();
    sb.world.delegations.get(sb.delegationId)!.revoked = true;
    await make(sb).client.mint(mintFor(sb)).catch(() => undefined);
    expect(sb.stats().mintRequests).toBe(1);
  });

  it('a delegation drained elsewhere is replaced on the next mint (autoRenew) and the call is paid', async () => {
    const sb = await sandbox();
    const { nevermined } = make(sb);
    const store = new MemoryStore();
    const options: PayingFetchOptions = {
      nevermined: { ...nevermined, paymentMethodId: sb.paymentMethodId },
      policy: { budget: { lifetimeCents: 5000 }, delegation: { spendingLimitCents: 500 }, autoRenew: true },
      clock: () => sb.world.now(),
      backendRetryDelayMs: 5,
      store,
    };
    expect((await createPayingFetch(options)(`${sb.sellerUrl}/metered`)).status).toBe(200);
    for (const d of sb.world.delegations.values()) d.amountSpentCents = d.spendingLimitCents; // spent by another process
    const before = sb.world.delegations.size;
    // A fresh process over the same store: no cached token, so its first mint meets the drained delegation.
    expect((await createPayingFetch(options)(`${sb.sellerUrl}/metered`)).status).toBe(200);
    expect(sb.world.delegations.size).toBe(before + 1);
  });

  it('pays 20 calls through payingFetch with one mint', async () => {
    const sb = await sandbox();
    const pay = createPayingFetch(make(sb).options);
    for (let i = 0; i < 20; i += 1) expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    expect(sb.stats()).toMatchObject({ mints: 1, paidResponses: 20 });
  });
});

describe('the Payments SDK adapter', () => {
  it('mints through the SDK, not around it', async () => {
    const sb = await sandbox();
    const payments = new FakePayments(sb.apiKey, sb.backendUrl);
    // The fake, like some SDK builds, cannot tell its account: paying-fetch says so up front.
    expect(() => createPayingFetch({ nevermined: payments, delegationId: sb.delegationId })).toThrow(/principal/);
    const withPrincipal = createPayingFetch({ nevermined: { payments, principal: sb.principal, delegationId: sb.delegationId } });
    expect((await withPrincipal(`${sb.sellerUrl}/weather`)).status).toBe(200);
    // The 1.x SDK has no delegation getter: the adapter finds it in the list, then mints.
    expect(payments.calls).toEqual(['listDelegations', 'getX402AccessToken']);
  });

  it('uses the REST client for what the SDK lacks (delegation transactions) when an API key is given', async () => {
    const sb = await sandbox();
    const payments = new FakePayments(sb.apiKey, sb.backendUrl);
    const fallback = new NeverminedRestClient({ apiKey: sb.apiKey, backendUrl: sb.backendUrl });
    const adapter = new NeverminedSdkAdapter({ payments, fallback });
    expect(adapter.principal).toBe(sb.principal);
    expect(await adapter.listDelegationTransactions(sb.delegationId)).toEqual([]);
    const bare = new NeverminedSdkAdapter({ payments, principal: sb.principal });
    await expect(bare.listDelegationTransactions(sb.delegationId)).rejects.toMatchObject({ code: 'CONFIGURATION' });
  });
});
