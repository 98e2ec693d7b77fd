import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

describe('the memory store stays bounded', () => {
  it('keeps at most maxSecrets tokens: the least recently used are evicted, a recently read one stays', async () => {
    const store = new MemoryStore({ maxSecrets: 1_000 });
    await store.putSecret('hot', 'hot-token', T0 + HOUR);
    for (let i = 0; i < 100_000; i += 1) {
      await store.putSecret(`origin-${i}`, `token-${i}`, T0 + HOUR);
      if (i % 500 === 0) expect(await store.getSecret('hot', T0)).toBe('hot-token'); // read: kept warm
    }
    expect(store.counts().secrets).toBeLessThanOrEqual(1_000);
    expect(await store.getSecret('origin-0', T0)).toBeUndefined();
    expect(await store.getSecret('origin-98000', T0)).toBeUndefined();
    expect(await store.getSecret('origin-99999', T0)).toBe('token-99999');
    expect(await store.getSecret('hot', T0)).toBe('hot-token');
  });

  it('drops expired tokens on read and by its sweep, even under the cap', async () => {
    const store = new MemoryStore({ maxSecrets: 1_000_000 });
    await store.putSecret('short', 'tok', T0 + 10);
    expect(await store.getSecret('short', T0 + 10)).toBeUndefined();
    expect(store.counts().secrets).toBe(0);
    for (let i = 0; i < 100_000; i += 1) await store.putSecret(`origin-${i}`, `token-${i}`, T0 + i); // each lives i ms past T0
    await store.getSecret('any', T0 + 100_000); // a reader's clock: every token above has expired
    for (let i = 0; i < 1_000; i += 1) await store.putSecret(`late-${i}`, 'tok', T0 + 2 * HOUR);
    expect(store.counts().secrets).toBeLessThanOrEqual(1_000);
  });

  it('never evicts a resume record (a payment that may have been taken) to make room', async () => {
    const store = new MemoryStore({ maxSecrets: 10 });
    await store.putSecret('resume:abc', 'held', T0 + HOUR);
    for (let i = 0; i < 1_000; i += 1) await store.putSecret(`origin-${i}`, `token-${i}`, T0 + HOUR);
    expect(await store.getSecret('resume:abc', T0)).toBe('held');
    expect(await store.getSecret('resume:abc', T0 + HOUR)).toBeUndefined(); // its expiry still applies
  });

  it('100,000 distinct origins: heap grows within a few MB of the embedded store (measured in a child process)', () => {
    const grew = (kind: string): number => {
      const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/store/fixtures/secrets-heap.ts', kind], { encoding: 'utf8', timeout: 120_000 });
      expect(run.status, run.stderr).toBe(0);
      return (JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { grewBytes: number }).grewBytes;
    };
    const memory = grew('memory');
    const embedded = grew('embedded');
    expect(memory - embedded).toBeLessThan(5_000_000);
  }, 180_000);

  it('keeps its newest 10,000 receipts as objects: about a kilobyte each, and the heap stays flat past the cap (measured in a child process)', () => {
    const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/store/fixtures/receipts-heap.ts'], { encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const { perReceipt, grewPastCap, kept } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { perReceipt: number; grewPastCap: number; kept: number };
    expect(kept).toBeLessThanOrEqual(11_000);
    expect(perReceipt).toBeLessThan(1_500);
    expect(grewPastCap).toBeLessThan(2_000_000);
  }, 180_000);
});
