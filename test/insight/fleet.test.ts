import { existsSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPayingFetch, exa, type PayingFetch } from '../../src/index.js';
import { SANDBOX_PLANS, type Sandbox } from '../../src/sandbox/index.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { sandbox } from '../helpers.js';
import { tempHome } from '../store/stores.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM) && spawnSync(CHROMIUM, ['--version']).status === 0;
if (!hasChromium) console.warn('\n!!! chromium is not installed: the HTML report rendering test is SKIPPED (apt-get install -y chromium) !!!\n');

/** Three labelled agents (and one per-call label) sharing one embedded store; `researcher-2` spends far more than the others. */
async function fleet(sb: Sandbox, home: string) {
  const base = { nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId }, policy: { budget: { lifetimeCents: 6000 } } };
  const agent = (name: string, extra = {}): PayingFetch => createPayingFetch({ ...base, agent: name, tags: { team: 'research' }, store: new EmbeddedStore(home), ...extra });
  const one = agent('researcher-1');
  const two = agent('researcher-2');
  const three = agent('writer', { providers: [exa({ purchaseUrl: `${sb.vendorUrl}/team-management/nevermined/purchase-key`, apiOrigin: sb.vendorUrl })] });
  for (let i = 0; i < 3; i += 1) await (await one(`${sb.sellerUrl}/metered`)).arrayBuffer();
  for (let i = 0; i < 20; i += 1) await (await two(`${sb.sellerUrl}/metered`)).arrayBuffer();
  for (let i = 0; i < 3; i += 1) await (await three(`${sb.sellerUrl}/weather`)).arrayBuffer();
  await (await three(`${sb.vendorUrl}/search`, { method: 'POST' })).arrayBuffer(); // buys a $7 pack
  await (await one(`${sb.sellerUrl}/weather`, { agent: 'researcher-1-subtask', tags: { task: 't-9' } })).arrayBuffer();
  return { one, two, three };
}

describe('spend insight for a fleet sharing one store', () => {
  it('attributes every receipt to its agent and tags, with per-call overrides', async () => {
    const sb = await sandbox({ delegationLimitCents: 5000 });
    const { one } = await fleet(sb, tempHome());
    const receipts = await one.receipts();
    expect(new Set(receipts.map((r) => r.agent))).toEqual(new Set(['researcher-1', 'researcher-2', 'writer', 'researcher-1-subtask']));
    expect(receipts.find((r) => r.agent === 'researcher-1-subtask')?.tags).toEqual({ team: 'research', task: 't-9' });
    expect(receipts.find((r) => r.provider === 'exa')).toMatchObject({ agent: 'writer', amountCents: 700 });
  });

  it('groups spend three ways and flags the runaway agent', async () => {
    const sb = await sandbox({ delegationLimitCents: 5000 });
    const { one } = await fleet(sb, tempHome());
    const byAgent = await one.spend({ groupBy: 'agent' });
    expect(byAgent.rows.find((r) => r.key === 'researcher-2')).toMatchObject({ calls: 20, chargedCents: 2000 });
    expect(byAgent.rows.find((r) => r.key === 'researcher-1')).toMatchObject({ calls: 3, chargedCents: 300 });
    expect(byAgent.outliers).toContainEqual(expect.objectContaining({ key: 'researcher-2', kind: 'high' }));
    const byProvider = await one.spend({ groupBy: 'provider' });
    expect(byProvider.rows.map((r) => [r.key, r.chargedCents])).toEqual([[sb.sellerUrl, 2400], ['exa', 700]]);
    const byPlan = await one.spend({ groupBy: 'plan' });
    expect(byPlan.rows.find((r) => r.key === SANDBOX_PLANS.metered)).toMatchObject({ calls: 23, chargedCents: 2300 });
    expect(byAgent.totalCents).toBe(byProvider.totalCents);
  });

  it('balances: plan credits and the delegation from the backend, packs, and the ledger', async () => {
    const sb = await sandbox({ delegationLimitCents: 5000 });
    const { one } = await fleet(sb, tempHome());
    const view = await one.balances();
    const spent = sb.world.delegations.get(sb.delegationId)!.amountSpentCents;
    expect(spent).toBe(3100); // 23 metered calls, the basic plan once, one exa pack
    expect(view.delegations).toEqual([expect.objectContaining({ delegationId: sb.delegationId, status: 'Active', spendingLimitCents: 5000, amountSpentCents: 3100, remainingBudgetCents: 1900 })]);
    expect(view.plans.find((p) => p.planId === SANDBOX_PLANS.basic)).toMatchObject({ holder: sb.principal, credits: String(sb.world.balance(sb.principal, SANDBOX_PLANS.basic)) });
    expect(view.packs).toEqual([expect.objectContaining({ provider: 'exa', purchases: 1 })]);
    expect(view.budget.lifetime).toMatchObject({ limitCents: 6000, reservedCents: 5000 });
  });

  it.skipIf(!hasChromium)('the HTML report draws its charts in headless Chromium, with the right totals', async () => {
    const sb = await sandbox({ delegationLimitCents: 5000 });
    const home = tempHome();
    const { one } = await fleet(sb, home);
    const file = join(home, 'report.html');
    writeFileSync(file, await one.report({ title: 'Fleet spend' }));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-rendered="true"]');
      const facts = await page.evaluate(() => ({
        agentBars: document.querySelectorAll('svg[data-chart="agents"] rect[data-series]').length,
        providerBars: document.querySelectorAll('svg[data-chart="providers"] rect[data-series]').length,
        legend: Object.fromEntries([...document.querySelectorAll('[data-legend="agents"] span')].map((s) => [s.getAttribute('data-series'), Number(s.getAttribute('data-total-cents'))])),
        providers: Object.fromEntries([...document.querySelectorAll('[data-legend="providers"] span')].map((s) => [s.getAttribute('data-series'), Number(s.getAttribute('data-total-cents'))])),
        burndown: Number(document.querySelector('svg[data-chart="burndown"]')?.getAttribute('data-total-cents')),
        limit: document.querySelector('svg[data-chart="burndown"] line[data-series="limit"]') !== null,
        outliers: [...document.querySelectorAll('[data-outlier]')].map((li) => li.getAttribute('data-outlier')),
        rows: document.querySelectorAll('#receipts tbody tr').length,
      }));
      expect(facts.agentBars).toBe(3); // the subtask spent nothing: no bar
      expect(facts.providerBars).toBeGreaterThanOrEqual(2);
      expect(facts.legend).toEqual({ 'researcher-1': 300, 'researcher-2': 2000, writer: 800, 'researcher-1-subtask': 0 });
      expect(facts.providers).toEqual({ [sb.sellerUrl]: 2400, exa: 700 });
      expect(facts.burndown).toBe(3100);
      expect(facts.limit).toBe(true);
      expect(facts.outliers).toContain('researcher-2');
      expect(facts.rows).toBe((await one.receipts()).length);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]); // self-contained: no network
      const shot = join(home, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
