import { describe, expect, it } from 'vitest';
import { PaymentOutcomeUnknownError } from '../../src/index.js';
import { EXA_PLAN_ID } from '../../src/sandbox/index.js';
import { exaPayingFetch, sandbox } from '../helpers.js';

describe('cancellation at every await', () => {
  it('an abort during a rate-limit backoff ends the wait at once, buying nothing', async () => {
    const sb = await sandbox();
    const { search, pay } = exaPayingFetch(sb, { rateLimit: { baseMs: 5_000, maxMs: 5_000 } });
    await search();
    sb.faults.inject('search', { kind: 'status', status: 429, message: 'slow down' }, 5);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await pay(`${sb.vendorUrl}/search`, { method: 'POST', signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(sb.stats().purchases).toBe(1);
  });

  it('an abort during a purchase leaves it pending; the next call resumes it: one charge', async () => {
    const sb = await sandbox();
    sb.faults.inject('purchase', { kind: 'delay', ms: 1_000, after: 'work' });
    const agent = exaPayingFetch(sb);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const error = await agent.pay(`${sb.vendorUrl}/search`, { method: 'POST', signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect((await agent.pay.budget()).unknownCents).toBe(0); // a pack sits inside its delegation: no extra budget
    expect((await agent.pay.receipts()).map((r) => r.outcome)).toEqual(['unknown']);
    expect((await agent.search()).status).toBe(200);
    expect(sb.world.charges.filter((c) => c.planId === EXA_PLAN_ID)).toHaveLength(1);
    expect(sb.stats().mints).toBe(1);
  });
});
