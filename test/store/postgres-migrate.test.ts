import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { postgresUrl } from './stores.js';

describe.skipIf(!postgresUrl)('the Postgres store joining agents already at work', () => {
  it('connects while another agent holds a reservation open: no DDL once the schema is there (a no-op ALTER waited on it and deadlocked)', async () => {
    const first = await PostgresStore.connect(postgresUrl, { prefix: `m-${randomUUID().slice(0, 8)}` }); // the schema exists from here
    await first.close();
    const agent = new pg.Client({ connectionString: postgresUrl });
    await agent.connect();
    try {
      await agent.query('BEGIN');
      await agent.query('LOCK TABLE pf_entries, pf_tallies IN ROW EXCLUSIVE MODE'); // what a reservation in flight holds
      // lock_timeout turns a wait for that lock into an error (55P03) instead of a hang.
      const store = await PostgresStore.connect(postgresUrl, { prefix: `m-${randomUUID().slice(0, 8)}`, pool: { lock_timeout: 2_000 } });
      expect(await store.usage({ name: 'budget.lifetime', max: 1, kinds: ['purchase'] }, Date.now())).toBe(0);
      await store.close();
    } finally {
      await agent.query('ROLLBACK');
      await agent.end();
    }
  }, 30_000);
});
