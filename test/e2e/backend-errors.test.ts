import { describe, expect, it } from 'vitest';
import { CardDeclinedError, DelegationExpiredError, DelegationUnusableError, InvalidApiKeyError, NeverminedBackendError } from '../../src/index.js';
import { expectNoSecrets, payingFetchFor, sandbox } from '../helpers.js';

describe('backend failures', () => {
  it('keep their BCK code, status and correlation id in a typed error', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 402, code: 'BCK.X402.0049', message: 'Card declined' });
    const { pay } = payingFetchFor(sb);
    const error = await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CardDeclinedError);
    expect(error).toMatchObject({ code: 'CARD_DECLINED', bckCode: 'BCK.X402.0049', status: 402, correlationId: 'corr-injected', retryable: false });
    expect(sb.stats().charges).toBe(0);
  });

  it('an expired delegation is caught before minting', async () => {
    const sb = await sandbox();
    sb.world.advance(31 * 24 * 3600 * 1000); // the default delegation lasts 30 days
    const error = await payingFetchFor(sb).pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelegationExpiredError);
    expect(error).toMatchObject({ code: 'DELEGATION_EXPIRED', bckCode: 'BCK.X402.0021' });
    expect(sb.stats()).toMatchObject({ mintRequests: 0, charges: 0 });
  });

  it('a revoked delegation is DelegationUnusableError (BCK.X402.0020)', async () => {
    const sb = await sandbox();
    sb.world.delegations.get(sb.delegationId)!.revoked = true;
    const error = await payingFetchFor(sb).pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelegationUnusableError);
    expect((error as NeverminedBackendError).bckCode).toBe('BCK.X402.0020');
  });

  it('an invalid API key is not retried and never echoed', async () => {
    const sb = await sandbox();
    const badKey = sb.apiKey.slice(0, -4) + 'AAAA';
    const { pay } = payingFetchFor(sb, { nevermined: { apiKey: badKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } });
    const error = await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidApiKeyError);
    expect(sb.stats()).toMatchObject({ backendRequests: 1, mints: 0 });
    expectNoSecrets([error], [badKey]);
  });

  it('transient failures (5xx, BCK.X402.0051, dropped connections) are retried with backoff', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 503, code: 'BCK.X402.0051', message: 'upstream unavailable' });
    sb.faults.inject('mint', { kind: 'reset' });
    sb.faults.inject('mint', { kind: 'status', status: 500 });
    const { pay } = payingFetchFor(sb);
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    expect(sb.stats()).toMatchObject({ mintRequests: 4, mints: 1 });
  });

  it('gives up after the retries with the last typed error', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 503, code: 'BCK.X402.0051' }, 10);
    const { pay } = payingFetchFor(sb, { backendRetries: 2 });
    const error = await pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeverminedBackendError);
    expect(error).toMatchObject({ bckCode: 'BCK.X402.0051', retryable: true, status: 503 });
    expect(sb.stats().mintRequests).toBe(3);
  });

  it('a 4xx is not retried', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 400, code: 'BCK.X402.0013', message: 'scheme mismatch' });
    const error = await payingFetchFor(sb).pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toMatchObject({ bckCode: 'BCK.X402.0013', retryable: false });
    expect(sb.stats().mintRequests).toBe(1);
  });
});
