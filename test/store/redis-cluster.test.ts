import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis-store.js';
import { redisClusterNodes } from './stores.js';

// The contract suite runs on the 3-node cluster too (stores.ts); this shows what the hash tag
// `{pf:<prefix>}` promises: every key of one store lives in one slot, so each Lua script is atomic.
describe.skipIf(redisClusterNodes.length === 0)('the Redis store on a Redis Cluster', () => {
  it('keeps every key of a deployment in one slot, on one node, while deployments spread over the nodes', async () => {
    const cluster = new Cluster(redisClusterNodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })));
    const prefixes = Array.from({ length: 12 }, (_, i) => `c${i}-${randomUUID().slice(0, 6)}`);
    const T0 = Date.now();
    for (const prefix of prefixes) {
      const store = new RedisStore(cluster, { prefix });
      const limit = { name: 'perDay', windowMs: 86_400_000, max: 1_000, kinds: ['purchase' as const] };
      await store.reserve({ id: 'e1', kind: 'purchase', state: 'reserved', amountCents: 10, startAt: T0, endAt: T0 }, [limit], T0);
      await store.settle('e1', { state: 'committed' });
      await store.appendReceipt({ id: 'r1', at: T0, method: 'GET', origin: 'https://a', path: '/', status: 200, outcome: 'paid' });
      await store.putSecret('tok', 'secret', T0 + 60_000);
      await store.tryLock('buy', 'me', 1_000, T0);
      expect(await store.usage(limit, T0)).toBe(10);
    }
    const holders = new Map<string, Set<string>>(); // prefix -> nodes holding its keys
    for (const node of cluster.nodes('master')) {
      for (const prefix of prefixes) {
        const keys = await node.keys(`{pf:${prefix}}:*`);
        if (keys.length === 0) continue;
        expect(keys.length).toBeGreaterThanOrEqual(6); // entries, scopes, totals, receipts, secret, lock...
        const slots = new Set(await Promise.all(keys.map((k) => node.call('CLUSTER', 'KEYSLOT', k))));
        expect(slots.size).toBe(1);
        holders.set(prefix, (holders.get(prefix) ?? new Set()).add(`${node.options.port}`));
      }
    }
    expect([...holders.values()].every((nodes) => nodes.size === 1)).toBe(true);
    expect(holders.size).toBe(prefixes.length);
    expect(new Set([...holders.values()].map((n) => [...n][0])).size).toBeGreaterThan(1); // not all on one node
    await cluster.quit();
  });
});
