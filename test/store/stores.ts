import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { inject } from 'vitest';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { Store } from '../../src/store/types.js';

export const redisUrl = inject('redisUrl');
export const postgresUrl = inject('postgresUrl');
export const redisClusterNodes = inject('redisClusterNodes');

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'paying-fetch-test-'));
}

export type StoreMaker = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** The stores, each made fresh and closed after the test. Redis and Postgres only when a server is there. */
export const storeMakers: Array<[string, StoreMaker]> = [
  ['memory', async () => ({ store: new MemoryStore(), cleanup: async () => {} })],
  ['embedded', async () => {
    const dir = tempHome();
    const store = new EmbeddedStore(dir);
    return { store, cleanup: async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
  }],
  ...(redisUrl
    ? [['redis', async () => {
        const store = await RedisStore.connect(redisUrl, { prefix: `t-${randomUUID().slice(0, 8)}` });
        return { store, cleanup: () => store.close() };
      }] as [string, StoreMaker]]
    : []),
  ...(redisClusterNodes.length > 0
    ? [['redis-cluster', async () => {
        const cluster = new Cluster(redisClusterNodes.map((n) => ({ host: n.split(':')[0]!, port: Number(n.split(':')[1]) })));
        const store = new RedisStore(cluster, { prefix: `t-${randomUUID().slice(0, 8)}` });
        return { store, cleanup: async () => { await store.close(); await cluster.quit(); } };
      }] as [string, StoreMaker]]
    : []),
  ...(postgresUrl
    ? [['postgres', async () => {
        const store = await PostgresStore.connect(postgresUrl, { prefix: `t-${randomUUID().slice(0, 8)}`, pool: { max: 20 } });
        return { store, cleanup: () => store.close() };
      }] as [string, StoreMaker]]
    : []),
];
