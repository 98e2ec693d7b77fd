import { randomUUID } from 'node:crypto';
import pg from 'pg';
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

  it('a receipt kept twice by an earlier version is kept once after the upgrade', async () => {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    const db = `pf_receipts_${randomUUID().slice(0, 8)}`;
    await admin.query(`CREATE DATABASE ${db}`);
    const url = postgresUrl.replace(/\/[^/?]*(\?|$)/, `/${db}$1`);
    try {
      const before = await PostgresStore.connect(url, { prefix: 'up' });
      await before.close();
      const raw = new pg.Client({ connectionString: url });
      await raw.connect();
      // As an earlier version left it: no unique index, one receipt in two rows, its schema not recorded.
      await raw.query('DROP INDEX pf_receipts_once');
      for (let i = 0; i < 2; i += 1) await raw.query(`INSERT INTO pf_receipts (deployment, id, at, origin, body) VALUES ('up', 'r1', 1, 'https://a.io', '{"id":"r1","at":1,"origin":"https://a.io","outcome":"paid","amountCents":100}')`);
      await raw.query('DELETE FROM pf_schema');
      await raw.end();
      const after = await PostgresStore.connect(url, { prefix: 'up' });
      expect((await after.receipts()).map((r) => r.id)).toEqual(['r1']);
      await after.appendReceipt({ id: 'r1', at: 2, method: 'GET', origin: 'https://a.io', path: '/x', status: 200, outcome: 'paid', amountCents: 100 });
      expect(await after.receipts()).toHaveLength(1);
      await after.close();
    } finally {
      await admin.query(`DROP DATABASE ${db} WITH (FORCE)`).catch(() => {});
      await admin.end();
    }
  }, 30_000);
});
