import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/index.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { cardPayingFetch, exaPayingFetch, payingFetchFor, sandbox } from '../helpers.js';
import { startAgent } from '../fixtures/run-agent.js';
import { tempHome } from './stores.js';

const mode = (path: string) => statSync(path).mode & 0o777;

describe('the embedded store on disk', () => {
  it('keeps its files private: directory 0700, database and WAL files 0600', async () => {
    const home = join(tempHome(), 'state');
    const store = new EmbeddedStore(home);
    await store.putKey({ id: 'k', provider: 'exa', planId: '1', principal: '0x', apiKey: 'exa_secret', createdAt: 1, purchases: 1 });
    expect(mode(home)).toBe(0o700);
    for (const file of ['state.db', 'state.db-wal', 'state.db-shm']) {
      expect(existsSync(join(home, file))).toBe(true);
      expect(mode(join(home, file))).toBe(0o600);
    }
    await store.close();
  });

  it('refuses a directory others can write to', () => {
    const home = tempHome();
    chmodSync(home, 0o777);
    expect(() => new EmbeddedStore(home)).toThrow(ConfigurationError);
    expect(() => new EmbeddedStore(home)).toThrow(/chmod 700/);
  });

  it('can be opened read-only to inspect spend, and refuses writes then', async () => {
    const home = tempHome();
    const writer = new EmbeddedStore(home);
    await writer.appendReceipt({ id: 'r1', at: 1, method: 'GET', origin: 'https://a', path: '/', status: 200, outcome: 'paid', amountCents: 100 });
    const reader = new EmbeddedStore(home, { readOnly: true });
    expect((await reader.receipts()).map((r) => r.id)).toEqual(['r1']);
    await expect(reader.appendReceipt({ id: 'r2', at: 2, method: 'GET', origin: 'https://a', path: '/', status: 200, outcome: 'paid' })).rejects.toThrow(/readonly/i);
    await writer.close();
    await reader.close();
    expect(() => new EmbeddedStore(join(home, 'missing'), { readOnly: true })).toThrow(ConfigurationError);
  });
});

describe('state that outlives the process', () => {
  // Receipts are committed in groups (within 10 ms); however an agent process ends, none is lost.
  for (const end of ['natural', 'exit', 'throw'] as const) {
    it(`every paid call leaves its receipt on disk when the process ends (${end === 'natural' ? 'naturally' : end === 'exit' ? 'by process.exit()' : 'by an uncaught exception'})`, async () => {
      const sb = await sandbox();
      const dir = tempHome();
      const { child, done } = startAgent({ store: { kind: 'embedded', dir }, apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId, url: `${sb.sellerUrl}/weather`, calls: 25, end });
      done.catch(() => {}); // the exit code is checked below (a crash exits 1 on purpose)
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(end === 'throw' ? 1 : 0);
      expect(sb.stats().paidResponses).toBe(25);
      const reader = new EmbeddedStore(dir, { readOnly: true });
      expect(await reader.receipts()).toHaveLength(25);
      await reader.close();
    }, 60_000);
  }

  it('a restarted process keeps its window spend: no budget reset by restart', async () => {
    const sb = await sandbox();
    const home = tempHome();
    const policy = { budget: { perDayCents: 200 } };
    const first = cardPayingFetch(sb, policy, { store: new EmbeddedStore(home) });
    expect((await first.pay(`${sb.sellerUrl}/metered`)).status).toBe(200);
    expect((await first.pay(`${sb.sellerUrl}/metered`)).status).toBe(200);

    const second = cardPayingFetch(sb, policy, { store: new EmbeddedStore(home) });
    expect((await second.pay.budget()).perDay).toMatchObject({ limitCents: 200, remainingCents: 0 });
    const error = await second.pay(`${sb.sellerUrl}/metered`).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', limit: 'budget.perDay' });
    expect(sb.stats().charges).toBe(2);
    expect(await second.pay.receipts()).toHaveLength(2);
  });

  it('a restarted process reuses the cached token: no second mint', async () => {
    const sb = await sandbox();
    const home = tempHome();
    await payingFetchFor(sb, { store: new EmbeddedStore(home) }).pay(`${sb.sellerUrl}/weather`);
    await payingFetchFor(sb, { store: new EmbeddedStore(home) }).pay(`${sb.sellerUrl}/weather`);
    expect(sb.stats()).toMatchObject({ mints: 1, paidResponses: 2 });
  });

  it('a provisioned key is cached on disk (mode 0600) and used after a restart', async () => {
    const sb = await sandbox();
    const home = tempHome();
    await exaPayingFetch(sb, { store: new EmbeddedStore(home) }).search();
    expect(mode(join(home, 'state.db'))).toBe(0o600);
    const again = exaPayingFetch(sb, { store: new EmbeddedStore(home) });
    expect((await again.search()).status).toBe(200);
    expect(sb.stats().purchases).toBe(1);
    expect((await again.pay.keys())[0]).toMatchObject({ provider: 'exa', principal: sb.principal, purchases: 1 });
  });
});
