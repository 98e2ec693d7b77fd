import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import { EXA_PLAN_ID } from '../../src/sandbox/index.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { Store } from '../../src/store/types.js';
import { exaPayingFetch, sandbox } from '../helpers.js';
import { redisUrl, tempHome } from '../store/stores.js';
import { startAgent } from '../fixtures/run-agent.js';

const PACK_AGENT = 'test/providers/fixtures/pack-agent.ts';
const startPackAgent = (job: object) => startAgent(job, PACK_AGENT);

type Sb = Awaited<ReturnType<typeof sandbox>>;

/** Runs `calls` searches with at most `concurrency` in flight; counts outcomes by status or error code. */
async function burst(search: () => Promise<Response>, calls: number, concurrency: number): Promise<Record<string, number>> {
  const outcome: Record<string, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      next += 1;
      let label: string;
      try {
        const res = await search();
        await res.arrayBuffer();
        label = String(res.status);
      } catch (error) {
        label = (error as { code?: string }).code ?? (error as Error).message;
      }
      outcome[label] = (outcome[label] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcome;
}

const exaCharges = (sb: Sb) => sb.world.charges.filter((c) => c.planId === EXA_PLAN_ID).length;

function sum(outcomes: Array<Record<string, number>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const o of outcomes) for (const [k, v] of Object.entries(o)) total[k] = (total[k] ?? 0) + v;
  return total;
}

function packJob(sb: Sb, store: object, extra: object) {
  return { store, apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId, vendorUrl: sb.vendorUrl, ...extra };
}

describe('credit packs under concurrency above the pack size', () => {
  it('3 clients sharing a store x 300 calls at concurrency 100 on 10-credit packs: at least 95% succeed, each pack paid once', async () => {
    const sb = await sandbox({ delegationLimitCents: 200_000 });
    const store = new MemoryStore();
    const clients = Array.from({ length: 3 }, () => exaPayingFetch(sb, { store, policy: { autoTopUp: { maxPerDay: 1000 } } }));
    const total = sum(await Promise.all(clients.map((c) => burst(() => c.search(), 300, 100))));
    const ok = total['200'] ?? 0;
    expect(ok).toBeGreaterThanOrEqual(855); // 95% of 900
    // Every success spent one credit the vendor sold; every pack was charged once.
    expect(sb.stats().searches).toBe(ok);
    expect(exaCharges(sb)).toBe(sb.stats().purchases);
    const credits = sb.stats().purchases * 10;
    expect(credits).toBeGreaterThanOrEqual(ok);
    // Packs are shared, not bought per waiting call: about what the successes needed.
    expect(sb.stats().purchases).toBeLessThanOrEqual(Math.ceil(ok / 10) + 3);
  }, 120_000);

  /** 3 agent processes x 100 calls at concurrency 40 on one shared store; `open` reads that store afterwards. */
  async function threeProcesses(sb: Sb, storeJob: object, open: () => Promise<Store>): Promise<void> {
    const job = packJob(sb, storeJob, { policy: { autoTopUp: { maxPerDay: 1000 } }, calls: 100, concurrency: 40 });
    const total = sum(await Promise.all(Array.from({ length: 3 }, () => startPackAgent(job).done)));
    const ok = total['200'] ?? 0;
    expect(ok).toBeGreaterThanOrEqual(285);
    expect(sb.stats().searches).toBe(ok);
    expect(exaCharges(sb)).toBe(sb.stats().purchases);
    expect(sb.stats().purchases).toBeLessThanOrEqual(Math.ceil(ok / 10) + 3);
    const store = await open();
    expect((await store.receipts()).filter((r) => r.provider === 'exa' && r.outcome === 'paid')).toHaveLength(sb.stats().purchases);
    await store.close();
  }

  it('3 processes x 100 calls at concurrency 40 on one embedded store: at least 95% succeed, each pack paid once', async () => {
    const sb = await sandbox({ delegationLimitCents: 200_000 });
    const dir = tempHome();
    await threeProcesses(sb, { kind: 'embedded', dir }, async () => new EmbeddedStore(dir, { readOnly: true }));
  }, 120_000);

  it.skipIf(!redisUrl)('3 processes x 100 calls at concurrency 40 on Redis: at least 95% succeed, each pack paid once', async () => {
    const sb = await sandbox({ delegationLimitCents: 200_000 });
    const prefix = `packs-${randomUUID().slice(0, 8)}`;
    await threeProcesses(sb, { kind: 'redis', url: redisUrl, prefix }, () => RedisStore.connect(redisUrl, { prefix }));
  }, 120_000);
});

describe('a pack reservation left by a killed process', () => {
  it('does not count against caps: a process killed while minting leaves room for the next purchase', async () => {
    const sb = await sandbox();
    const dir = tempHome();
    // Room for one $7 pack on the vendor's origin, for the whole life of the store.
    const job = packJob(sb, { kind: 'embedded', dir }, { policy: { perOrigin: { [sb.vendorUrl]: { lifetimeCents: 700 } } }, calls: 1, concurrency: 1 });
    sb.faults.inject('mint', { kind: 'delay', ms: 30_000 }); // reserved, then stuck minting
    const first = startPackAgent(job);
    await vi.waitFor(() => expect(sb.stats().mintRequests).toBe(1), { timeout: 20_000, interval: 20 });
    first.child.kill('SIGKILL');
    await first.done.catch(() => {});
    expect(sb.stats()).toMatchObject({ purchases: 0, charges: 0 }); // nothing was sent: nothing charged

    expect(await startPackAgent(job).done).toEqual({ '200': 1 });
    expect(exaCharges(sb)).toBe(1);
    const store = new EmbeddedStore(dir, { readOnly: true });
    const packs = await store.entries({ kinds: ['pack'] });
    expect(packs.map((e) => e.state).sort()).toEqual(['committed', 'released']);
    await store.close();
  }, 60_000);
});
