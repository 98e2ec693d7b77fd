import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { EXA_PLAN_ID, type Sandbox } from '../../src/sandbox/index.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { Store } from '../../src/store/types.js';
import { startAgent } from '../fixtures/run-agent.js';
import { sandbox } from '../helpers.js';
import { postgresUrl, redisUrl, tempHome } from './stores.js';

const BUDGET = 3000; // $30: thirty $1 charges at most

async function fourAgents(sb: Sandbox, storeJob: object): Promise<Array<Record<string, number>>> {
  const job = {
    store: storeJob,
    apiKey: sb.apiKey,
    backendUrl: sb.backendUrl,
    paymentMethodId: sb.paymentMethodId,
    policy: { budget: { lifetimeCents: BUDGET }, delegation: { spendingLimitCents: 500 }, autoRenew: true },
    url: `${sb.sellerUrl}/metered`,
    calls: 100,
  };
  return Promise.all(Array.from({ length: 4 }, () => startAgent(job).done));
}

async function expectBudgetHeld(sb: Sandbox, store: Store, outcomes: Array<Record<string, number>>): Promise<void> {
  const charges = sb.world.charges;
  const charged = charges.reduce((sum, c) => sum + c.amountCents, 0);
  expect(charged).toBeLessThanOrEqual(BUDGET);
  expect(charged).toBeGreaterThan(BUDGET / 2); // they did spend, together
  const succeeded = outcomes.reduce((sum, o) => sum + (o['200'] ?? 0), 0);
  expect(succeeded).toBe(charges.length);
  expect(outcomes.every((o) => Object.keys(o).every((k) => k === '200' || k === 'BUDGET_EXCEEDED'))).toBe(true);
  // Every charge has exactly one receipt.
  const receipts = (await store.receipts()).filter((r) => r.orderTx);
  expect(receipts.map((r) => r.orderTx).sort()).toEqual(charges.map((c) => c.providerTransactionId).sort());
  // What the ledger holds never passes the budget.
  const view = await (async () => {
    const entries = (await store.entries({ kinds: ['delegation'] })).filter((e) => e.state !== 'released');
    return entries.reduce((sum, e) => sum + e.amountCents, 0);
  })();
  expect(view).toBeLessThanOrEqual(BUDGET);
}

describe('agents in separate processes sharing one budget', () => {
  it('4 processes x 100 paid calls through the embedded store never pass the budget', async () => {
    const sb = await sandbox({ delegationLimitCents: 100 });
    const dir = tempHome();
    const outcomes = await fourAgents(sb, { kind: 'embedded', dir });
    const store = new EmbeddedStore(dir, { readOnly: true });
    await expectBudgetHeld(sb, store, outcomes);
    await store.close();
  }, 120_000);

  it.skipIf(!redisUrl)('4 processes x 100 paid calls through Redis never pass the budget', async () => {
    const sb = await sandbox({ delegationLimitCents: 100 });
    const prefix = `mp-${randomUUID().slice(0, 8)}`;
    const outcomes = await fourAgents(sb, { kind: 'redis', url: redisUrl, prefix });
    const store = await RedisStore.connect(redisUrl, { prefix });
    await expectBudgetHeld(sb, store, outcomes);
    await store.close();
  }, 120_000);

  it.skipIf(!postgresUrl)('4 processes x 100 paid calls through Postgres never pass the budget', async () => {
    const sb = await sandbox({ delegationLimitCents: 100 });
    const prefix = `mp-${randomUUID().slice(0, 8)}`;
    const outcomes = await fourAgents(sb, { kind: 'postgres', url: postgresUrl, prefix });
    const store = await PostgresStore.connect(postgresUrl, { prefix });
    await expectBudgetHeld(sb, store, outcomes);
    await store.close();
  }, 120_000);
});

describe('a crash in the middle of a purchase', () => {
  it('SIGKILL after the vendor charged: the restarted agent resumes with the same token, one charge in total', async () => {
    const sb = await sandbox();
    const dir = tempHome();
    sb.faults.inject('purchase', { kind: 'delay', ms: 30_000, after: 'work' }); // charged, then hangs
    const job = { store: { kind: 'embedded', dir }, apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId, vendorUrl: sb.vendorUrl, url: `${sb.vendorUrl}/search`, method: 'POST', calls: 1 };
    const first = startAgent(job);
    await vi.waitFor(() => expect(sb.vendor.counters.purchases).toBe(1), { timeout: 20_000, interval: 50 });
    first.child.kill('SIGKILL');
    await first.done.catch(() => {});

    const store = new EmbeddedStore(dir);
    expect(await store.getPending(`purchase:exa:${EXA_PLAN_ID}:${sb.principal}`)).toMatchObject({ provider: 'exa' });
    await store.close();

    const second = await startAgent(job).done;
    expect(second).toEqual({ '200': 1 });
    expect(sb.world.charges.filter((c) => c.planId === EXA_PLAN_ID)).toHaveLength(1);
    expect(sb.vendor.counters).toMatchObject({ purchases: 1, replays: 1 });
    expect(sb.stats().mints).toBe(1);
  }, 60_000);
});
