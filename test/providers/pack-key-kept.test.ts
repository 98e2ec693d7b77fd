import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/index.js';
import type { Store } from '../../src/store/types.js';
import { exaPayingFetch, sandbox } from '../helpers.js';

describe('a store that fails to keep a bought key (found by review)', () => {
  it('a failed putKey after the purchase was paid leaves the purchase pending: the next call resumes it, no second charge', async () => {
    const sb = await sandbox();
    const inner = new MemoryStore();
    let failPutKey = 1;
    const store = new Proxy(inner, {
      get(t, p) {
        const v = Reflect.get(t, p) as unknown;
        if (p === 'putKey') return async (...a: unknown[]) => { if (failPutKey-- > 0) throw new Error('Connection is closed.'); return (v as (...a: unknown[]) => unknown).apply(t, a); };
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    }) as Store;
    const { search } = exaPayingFetch(sb, { store });
    const first = await search().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(Error); // the store failed: fair
    expect(sb.stats().purchases).toBe(1);
    const second = await search();
    expect(second.status).toBe(200);
    // The pack bought by the first call should serve the second (resume the same token: no new charge).
    expect(sb.stats().purchases).toBe(1);
  });
});
