import { describe, expect, it } from 'vitest';
import {
  createPayingFetch,
  DelegationExpiredError,
  NeverminedRestClient,
  NeverminedSdkAdapter,
  type NeverminedClient,
  type PayingFetchOptions,
} from '../../src/index.js';
import { SANDBOX_PLANS, type Sandbox } from '../../src/sandbox/index.js';
import { sandbox } from '../helpers.js';
import { FakePayments } from './fake-payments-sdk.js';

// One contract, two implementations: the built-in REST client, and the adapter over a user's
// Payments instance. Both must behave the same for everything paying-fetch relies on.
const implementations: Array<[string, (sb: Sandbox) => { client: NeverminedClient; options: PayingFetchOptions }]> = [
  ['REST client', (sb) => ({
    client: new NeverminedRestClient({ apiKey: sb.apiKey, backendUrl: sb.backendUrl, retryDelayMs: 5 }),
    options: { nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } },
  })],
  ['Payments SDK adapter', (sb) => {
    const payments = new FakePayments(sb.apiKey, sb.backendUrl);
    return {
      client: new NeverminedSdkAdapter({ payments, principal: sb.principal }),
      options: { nevermined: { payments, principal: sb.principal, delegationId: sb.delegationId } },
    };
  }],
];

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
