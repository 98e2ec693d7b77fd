import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres-store.js';
import type { ReceiptRecord } from '../../src/store/types.js';
import { postgresUrl } from './stores.js';

describe.skipIf(!postgresUrl)('Postgres receipts', () => {
  it('a receipt written again (the backlog retrying a write whose answer was lost) is kept once', async () => {
    const store = await PostgresStore.connect(postgresUrl, { prefix: `r-${randomUUID().slice(0, 8)}` });
    const receipt: ReceiptRecord = { id: randomUUID(), at: Date.now(), method: 'GET', origin: 'https://a.io', path: '/x', status: 200, scheme: 'exact', network: 'eip155:8453', planId: undefined, agentId: undefined, delegationId: undefined, tokenHash: 'sha256:x', outcome: 'paid', amountCents: 100 };
    await store.appendReceipt(receipt);
    await store.appendReceipt(receipt);
    expect(await store.receipts()).toHaveLength(1);
    await store.close();
  });
});
