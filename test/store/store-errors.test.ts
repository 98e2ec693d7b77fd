import { describe, expect, it } from 'vitest';
import { ConfigurationError, StoreError } from '../../src/index.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { withStoreErrors } from '../../src/store/with-store-errors.js';
import { failingStore, redisGone } from './failing-store.js';
import { tempHome } from './stores.js';

const T0 = 1_700_000_000_000;

describe('store failures are typed StoreErrors', () => {
  it('a write failing with SQLITE_FULL becomes a StoreError naming the operation, with the cause', async () => {
    const store = withStoreErrors(failingStore(new MemoryStore()).failWrites(true));
    const error = await store.reserve({ id: 'e', kind: 'purchase', state: 'reserved', amountCents: 1, startAt: T0, endAt: T0 }, [], T0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'STORE_FAILED', operation: 'reserve', driverCode: 'SQLITE_FULL' });
    expect((error as Error).cause).toMatchObject({ message: 'database or disk is full', code: 'SQLITE_FULL' });
  });

  it('never carries the secret being written: not in its message, not in its cause', async () => {
    const store = withStoreErrors(failingStore(new MemoryStore()).failWrites(true, redisGone));
    const error = (await store.putSecret('nvm:https://a', 'secret-value', T0).catch((e: unknown) => e)) as StoreError;
    expect(error).toMatchObject({ code: 'STORE_FAILED', operation: 'putSecret', driverCode: 'ECONNRESET' });
    expect(JSON.stringify({ ...error, message: error.message, cause: { ...(error.cause as object), message: (error.cause as Error).message } })).not.toContain('secret-value');
    expect(error.cause).not.toHaveProperty('command');
  });

  it('a real SQLite failure (a store opened read-only, written to) is a StoreError, not a raw SqliteError', async () => {
    const dir = tempHome();
    await new EmbeddedStore(dir).close();
    const store = withStoreErrors(new EmbeddedStore(dir, { readOnly: true }));
    const error = await store.putKey({ id: 'k', provider: 'exa', planId: '1', principal: '0x', apiKey: 'exa_secret', createdAt: 1, purchases: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StoreError', code: 'STORE_FAILED', operation: 'putKey', driverCode: 'SQLITE_READONLY' });
    expect((error as Error).message).not.toContain('exa_secret');
    await store.close();
  });

  it("paying-fetch's own errors pass through; reads and other properties still work; wrapping twice is a no-op", async () => {
    const inner = new MemoryStore();
    const store = withStoreErrors(inner);
    expect(withStoreErrors(store)).toBe(store);
    await store.putSecret('k', 'v', T0 + 1);
    expect(await store.getSecret('k', T0)).toBe('v');
    expect(store.counts().secrets).toBe(1);
    const own = withStoreErrors(Object.assign(new MemoryStore(), { keys: async () => { throw new ConfigurationError('bad'); } }));
    await expect(own.keys()).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('the failing test store fails writes on demand and recovers', async () => {
    const store = failingStore(new MemoryStore());
    store.failWrites(true);
    await expect(store.appendReceipt({ id: 'r', at: T0, method: 'GET', origin: 'https://a', path: '/', status: 200, outcome: 'paid' })).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    expect(await store.receipts()).toEqual([]); // reads still work
    store.failWrites(false);
    await store.appendReceipt({ id: 'r', at: T0, method: 'GET', origin: 'https://a', path: '/', status: 200, outcome: 'paid' });
    expect(store.refused).toEqual({ appendReceipt: 1 });
    expect(await store.receipts()).toHaveLength(1);
  });
});
