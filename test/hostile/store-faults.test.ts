import { describe, expect, it } from 'vitest';
import { EmbeddedStore, MemoryStore, PaymentMayBeTakenError, PaymentOutcomeUnknownError, StoreError } from '../../src/index.js';
import { expectNoSecrets, payingFetchFor, sandbox } from '../helpers.js';
import { failingStore, redisGone } from '../store/failing-store.js';
import { tempHome } from '../store/stores.js';

const outcome = (p: Promise<Response>) => p.then((r) => r.status, (e: unknown) => e);

describe('a store that fails after the seller charged', () => {
  it('a full disk: the paid call still gets its answer, later calls a StoreError and no payment, and nothing is lost once the disk recovers', async () => {
    const sb = await sandbox();
    const store = failingStore(new EmbeddedStore(tempHome()));
    const { pay } = payingFetchFor(sb, { store });
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    const settled = sb.stats().settlements;
    store.failWrites(true);
    const outcomes: unknown[] = [];
    for (let i = 0; i < 20; i += 1) outcomes.push(await outcome(pay(`${sb.sellerUrl}/weather`)));
    expect(outcomes[0]).toBe(200); // paid with the cached token, then recording failed: the answer is not lost
    for (const o of outcomes.slice(1)) {
      expect(o).toBeInstanceOf(StoreError);
      expect(o).toMatchObject({ code: 'STORE_FAILED', driverCode: 'SQLITE_FULL' });
    }
    expect(sb.stats().settlements).toBe(settled + 1); // fail closed: one charge while failing, not 20
    store.failWrites(false);
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    // The receipt of the call paid while the disk was full was written once the store recovered.
    expect(await pay.receipts()).toHaveLength(3);
    await pay.close();
    await store.close();
  });

  it('an unknown outcome while the disk is full: the retry after it recovers finds the waiting payment and does not pay again', async () => {
    const sb = await sandbox();
    const store = failingStore(new MemoryStore());
    const { pay } = payingFetchFor(sb, { store });
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200); // a cached token from now on
    store.failWrites(true);
    sb.faults.inject('seller', { kind: 'reset', after: 'work' }); // charged, then the connection drops
    expect(await outcome(pay(`${sb.sellerUrl}/weather`))).toBeInstanceOf(PaymentOutcomeUnknownError);
    const settled = sb.stats().settlements;
    store.failWrites(false);
    // The waiting payment's record was owed to the store: written before the retry looks for it.
    expect(await outcome(pay(`${sb.sellerUrl}/weather`))).toBeInstanceOf(PaymentMayBeTakenError);
    expect(sb.stats().settlements).toBe(settled);
  });

  it('Redis going away mid-call: a StoreError without the driver command, and the paid answer kept', async () => {
    const sb = await sandbox();
    const store = failingStore(new MemoryStore());
    const { pay } = payingFetchFor(sb, { store });
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    store.failWrites(true, redisGone).failReads(true, redisGone);
    expect(await outcome(pay(`${sb.sellerUrl}/weather`))).toBe(200);
    const error = await outcome(pay(`${sb.sellerUrl}/weather`));
    expect(error).toBeInstanceOf(StoreError);
    expectNoSecrets([error], ['secret-value']);
  });

  it('a store failing before anything is paid: a StoreError with the cause, no mint, no charge', async () => {
    const sb = await sandbox();
    const store = failingStore(new MemoryStore()).failWrites(true).failReads(true);
    const { pay } = payingFetchFor(sb, { store });
    const error = await outcome(pay(`${sb.sellerUrl}/weather`));
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).cause).toBeInstanceOf(Error);
    expect(sb.stats()).toMatchObject({ mints: 0, charges: 0, settlements: 0 });
  });
});
