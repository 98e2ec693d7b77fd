import { describe, expect, it } from 'vitest';
import { DelegationUnusableError, InvalidApiKeyError, NeverminedBackendError } from '../../src/errors/index.js';
import { NeverminedRestClient, NeverminedSdkAdapter, type PaymentsLike } from '../../src/nevermined/index.js';
import { PaymentsError } from './fake-payments-sdk.js';

const delegation = (n: number) => ({ delegationId: `d-${n}`, status: 'Active', spendingLimitCents: '500', amountSpentCents: '0', remainingBudgetCents: '500' });
const TOTAL = 150;

/** A key with 150 delegations, served 100 a page; `honoursPaging: false` is every 1.x SDK (page 1 always). */
function pagedPayments(honoursPaging: boolean) {
  const asked: Array<Record<string, unknown> | undefined> = [];
  const payments: PaymentsLike = {
    x402: { getX402AccessToken: async () => ({ accessToken: 'tok' }) },
    delegation: {
      listDelegations: async (options?: object) => {
        const o = options as { page?: number; offset?: number } | undefined;
        asked.push(o as Record<string, unknown>);
        const page = honoursPaging ? (o?.page ?? 1) : 1;
        const size = honoursPaging ? (o?.offset ?? 100) : 100;
        const all = Array.from({ length: TOTAL }, (_, i) => delegation(i));
        return { delegations: all.slice((page - 1) * size, page * size), totalResults: TOTAL, page, offset: size };
      },
    },
  };
  return { payments, asked };
}

describe('the SDK adapter without getDelegation (every 1.x release)', () => {
  it('finds a delegation on page 2 when the listing pages', async () => {
    const { payments, asked } = pagedPayments(true);
    const adapter = new NeverminedSdkAdapter({ payments, principal: '0xabc' });
    expect(await adapter.getDelegation('d-120')).toMatchObject({ delegationId: 'd-120', spendingLimitCents: 500 });
    expect(asked.map((o) => o?.page)).toEqual([1, 2]);
    expect((await adapter.listDelegations()).length).toBe(TOTAL);
  });

  it('a delegation past the one page a 1.x SDK lists is not reported unusable (that would retire it)', async () => {
    const { payments, asked } = pagedPayments(false);
    const adapter = new NeverminedSdkAdapter({ payments, principal: '0xabc' });
    const error = await adapter.getDelegation('d-120').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeverminedBackendError);
    expect(error).not.toBeInstanceOf(DelegationUnusableError);
    expect((error as Error).message).toMatch(/nevermined\.apiKey/);
    expect(asked).toHaveLength(2); // the SDK answered page 1 to a page-2 question: it stops there
  });

  it('a delegation absent from a complete listing is DelegationUnusableError (BCK.X402.0019)', async () => {
    const { payments } = pagedPayments(true);
    const adapter = new NeverminedSdkAdapter({ payments, principal: '0xabc' });
    await expect(adapter.getDelegation('d-999')).rejects.toMatchObject({ code: 'DELEGATION_UNUSABLE', bckCode: 'BCK.X402.0019' });
  });
});

describe('the REST client lists every page of delegations', () => {
  it('reads page 2 when the backend says there are more', async () => {
    const urls: string[] = [];
    const fetch = async (input: string | URL | Request) => {
      const url = new URL(String(input));
      urls.push(url.pathname + url.search);
      const page = Number(url.searchParams.get('page') ?? 1);
      const size = Number(url.searchParams.get('offset') ?? 100);
      const all = Array.from({ length: TOTAL }, (_, i) => delegation(i));
      return Response.json({ delegations: all.slice((page - 1) * size, page * size), totalResults: TOTAL, page, offset: size });
    };
    const jwt = `e30.${Buffer.from(JSON.stringify({ sub: '0xabc' })).toString('base64url')}.sig`;
    const client = new NeverminedRestClient({ apiKey: `sandbox:${jwt}`, backendUrl: 'http://127.0.0.1:9', fetch });
    expect((await client.listDelegations()).map((d) => d.delegationId)).toEqual(Array.from({ length: TOTAL }, (_, i) => `d-${i}`));
    expect(urls).toEqual(['/api/v1/delegation?accessible=true&page=1&offset=100', '/api/v1/delegation?accessible=true&page=2&offset=100']);
  });
});

describe('SDK errors become the REST path typed errors', () => {
  const failing = (error: unknown, calls = { n: 0 }): PaymentsLike => ({
    x402: {
      getX402AccessToken: async () => {
        calls.n += 1;
        throw error;
      },
    },
  });
  const mint = (payments: PaymentsLike) =>
    new NeverminedSdkAdapter({ payments, principal: '0xabc', retryDelayMs: 1 })
      .mint({ scheme: 'nvm:card-delegation', network: 'stripe', planId: '1', delegationId: 'd' })
      .catch((e: unknown) => e);

  it('a network failure inside the SDK is retried like the REST client retries one', async () => {
    const calls = { n: 0 };
    const error = await mint(failing(PaymentsError.internal('Network error while creating X402 delegation token: fetch failed'), calls));
    expect(error).toMatchObject({ retryable: true });
    expect(calls.n).toBe(4);
  });

  it('the real backend wording for a bad key ("Invalid Nevermined API Key", HTTP 401) is InvalidApiKeyError', async () => {
    const error = await mint(failing(PaymentsError.internal('Invalid Nevermined API Key (HTTP 401)')));
    expect(error).toBeInstanceOf(InvalidApiKeyError);
  });

  it('a BCK code in `code` wins over the wording; `http_<n>` gives the status', async () => {
    expect(await mint(failing(new PaymentsError('Something (HTTP 402)', 'BCK.X402.0020')))).toMatchObject({ code: 'DELEGATION_UNUSABLE', bckCode: 'BCK.X402.0020', status: 402 });
    expect(await mint(failing(new PaymentsError('Failed to create delegation (HTTP 400)', 'http_400')))).toMatchObject({ code: 'NVM_BACKEND', status: 400, retryable: false });
  });

  it('an SDK message is cut to a bounded length', async () => {
    const error = (await mint(failing(PaymentsError.internal('x'.repeat(100_000) + ' (HTTP 402)')))) as Error;
    expect(error.message.length).toBeLessThan(5000);
  });
});

describe('minting for MPP', () => {
  const request = { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: 'plan-1', agentId: 'agent-1', delegationId: 'del-1' };

  it('the REST client posts the x402 mint body to /api/v1/mpp/permissions', async () => {
    const seen: Array<{ path: string; body: unknown }> = [];
    const fetch = async (input: string | URL | Request, init?: RequestInit) => {
      seen.push({ path: new URL(String(input)).pathname, body: JSON.parse(String(init?.body)) });
      return Response.json({ accessToken: 'mpp-token' });
    };
    const jwt = `e30.${Buffer.from(JSON.stringify({ sub: '0xabc' })).toString('base64url')}.sig`;
    const client = new NeverminedRestClient({ apiKey: `sandbox:${jwt}`, backendUrl: 'http://127.0.0.1:9', fetch });
    expect(await client.mintMpp(request)).toEqual({ accessToken: 'mpp-token' });
    expect(seen).toEqual([{ path: '/api/v1/mpp/permissions', body: { accepted: { scheme: 'nvm:erc4337', network: 'eip155:84532', planId: 'plan-1', extra: { agentId: 'agent-1' } }, delegationConfig: { delegationId: 'del-1' } } }]);
  });

  it('the SDK adapter mints with payments.mpp.getMppAccessToken (1.11), and says what is missing before 1.11', async () => {
    const calls: unknown[][] = [];
    const payments: PaymentsLike = {
      x402: { getX402AccessToken: async () => ({ accessToken: 'x' }) },
      mpp: { getMppAccessToken: async (...args: unknown[]) => (calls.push(args), { accessToken: 'mpp-token' }) },
    };
    expect(await new NeverminedSdkAdapter({ payments, principal: '0xabc' }).mintMpp(request)).toEqual({ accessToken: 'mpp-token' });
    expect(calls).toEqual([['plan-1', 'agent-1', { scheme: 'nvm:erc4337', network: 'eip155:84532', delegationConfig: { delegationId: 'del-1' } }]]);
    const before = new NeverminedSdkAdapter({ payments: { x402: payments.x402 }, principal: '0xabc' });
    await expect(before.mintMpp(request)).rejects.toMatchObject({ code: 'CONFIGURATION' });
  });
});
