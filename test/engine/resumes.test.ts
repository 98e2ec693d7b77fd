import { describe, expect, it } from 'vitest';
import { Resumes } from '../../src/engine/resumes.js';
import type { HeldToken } from '../../src/engine/held.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const request = (url: string) => ({ url, method: 'GET', headers: [], body: undefined, signal: undefined, redirect: 'follow' }) as never;
const record = { held: { kind: 'scheme' } as unknown as HeldToken, receiptId: 'r', sentAt: 1 };

/** A store that counts lookups of waiting payments. */
function countingStore() {
  const store = new MemoryStore();
  const lookups: string[] = [];
  const get = store.getSecret.bind(store);
  store.getSecret = (key, now) => (key.startsWith('resume:') && lookups.push(key), get(key, now));
  return { store, lookups };
}

describe('payments waiting for a retry (resumes)', () => {
  it('once the last waiting payment is answered, ordinary calls stop looking in the store', async () => {
    const { store, lookups } = countingStore();
    const resumes = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' });
    const key = resumes.keyOf(request('https://a.io/x'));
    await resumes.keep(key, record);
    await resumes.forget(key, 'r');
    lookups.length = 0;
    for (let i = 0; i < 20; i += 1) expect(await resumes.find(() => resumes.keyOf(request(`https://a.io/${i}`)))).toBeUndefined();
    expect(lookups).toEqual([]); // was one store lookup per call for 24 hours
  });

  it('processes sharing a store never lose each other\'s: one answering its own leaves the other\'s found', async () => {
    const { store } = countingStore();
    const a = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' });
    const b = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' });
    const first = a.keyOf(request('https://a.io/1'));
    const second = b.keyOf(request('https://a.io/2'));
    await Promise.all([a.keep(first, record), b.keep(second, record)]);
    await a.forget(first, 'r');
    const c = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' }); // a third process, nothing cached
    expect(await c.find(() => second)).toMatchObject({ receiptId: 'r' });
    await b.forget(second, 'r');
    const d = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' });
    expect(await d.find(() => second)).toBeUndefined();
    expect(await store.getSecret('resume:any', Date.now())).toBeUndefined();
  });

  it('a newer payment kept for the same request while an older one is answered stays found', async () => {
    const { store } = countingStore();
    const a = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' });
    const b = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' });
    const key = a.keyOf(request('https://a.io/poll'));
    await a.keep(key, { ...record, receiptId: 'first' });
    await b.keep(key, { ...record, receiptId: 'second' }); // the same request, another call, no answer either
    await a.forget(key, 'first'); // the first one's replay was answered
    const c = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' });
    expect(await c.find(() => key)).toMatchObject({ receiptId: 'second' });
  });

  it("an older version's marker (`1`) stays until it expires: which requests wait is unknown", async () => {
    const { store } = countingStore();
    await store.putSecret('resume:any', '1', Date.now() + 60_000);
    const resumes = new Resumes(store, Date.now, { backendId: 'b', principal: 'p' });
    const key = resumes.keyOf(request('https://a.io/x'));
    await resumes.keep(key, record);
    await resumes.forget(key, 'r');
    expect(await store.getSecret('resume:any', Date.now())).toBe('1');
  });
});
