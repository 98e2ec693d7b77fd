import { describe, expect, it } from 'vitest';
import { payingFetchFor, sandbox } from '../helpers.js';

describe('cancellation', () => {
  it('an aborted signal stops the call before anything is paid', async () => {
    const sb = await sandbox();
    const controller = new AbortController();
    controller.abort();
    const error = await payingFetchFor(sb).pay(`${sb.sellerUrl}/weather`, { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(sb.stats()).toMatchObject({ mints: 0, sellerRequests: 0 });
  });

  it('timeoutMs bounds a mint stuck on the backend', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'delay', ms: 2_000 });
    const started = Date.now();
    const error = await payingFetchFor(sb, { timeoutMs: 200 }).pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(sb.stats().paidResponses).toBe(0);
  });

  it('timeoutMs bounds a slow seller', async () => {
    const sb = await sandbox();
    sb.faults.inject('seller', { kind: 'delay', ms: 2_000 });
    const error = await payingFetchFor(sb, { timeoutMs: 200 }).pay(`${sb.sellerUrl}/weather`).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
  });
});
