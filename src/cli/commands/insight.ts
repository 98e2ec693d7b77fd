import { writeFileSync } from 'node:fs';
import { createPayingFetch } from '../../fetch/create-paying-fetch.js';
import { renderHtmlReport } from '../../insight/report-html.js';
import { spendReport, type GroupBy } from '../../insight/spend.js';
import { inspect } from '../../insight/inspect.js';
import { loadConfig, payingFetchOptions, readOnlyStore, type GlobalFlags } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { csv, dollars, table, when } from '../format.js';
import { parseSince } from '../since.js';
import { budgetRow } from './ledger.js';

export async function balanceCommand(flags: { json?: boolean }, global: GlobalFlags): Promise<number> {
  const config = loadConfig(global);
  const view = await createPayingFetch(payingFetchOptions(global, config)).balances();
  if (flags.json) {
    process.stdout.write(JSON.stringify(view) + '\n');
    return EXIT.OK;
  }
  process.stdout.write('budget (local ledger)\n');
  process.stdout.write(table((['lifetime', 'perHour', 'perDay'] as const).map((w) => budgetRow(w, view.budget[w]))));
  process.stdout.write('\ndelegations (backend)\n');
  process.stdout.write(table(view.delegations.map((d) => ({ id: d.delegationId, status: d.status ?? d.error, limit: dollars(d.spendingLimitCents), spent: dollars(d.amountSpentCents), remaining: dollars(d.remainingBudgetCents), expires: d.expiresAt }))));
  process.stdout.write('\nplan credits (backend, and as last reported by sellers)\n');
  process.stdout.write(table(view.plans.map((p) => ({ plan: `…${p.planId.slice(-8)}`, credits: p.credits ?? p.error, lastReported: p.lastReported }))));
  process.stdout.write('\npacks\n');
  process.stdout.write(table(view.packs.map((p) => ({ provider: p.provider, principal: p.principal, units: p.units, lastRemaining: p.lastRemaining, lastTopUp: when(p.lastTopUpAt), purchases: p.purchases }))));
  return EXIT.OK;
}

export async function spendCommand(flags: { by?: string; since?: string; json?: boolean; csv?: boolean }, global: GlobalFlags): Promise<number> {
  const groupBy = (flags.by ?? 'agent') as GroupBy; // commander checked it is one of the groups
  const since = parseSince(flags.since);
  const config = loadConfig(global);
  const { store } = readOnlyStore(config.home);
  const report = spendReport(await store.receipts(), { groupBy, since });
  await store.close();
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  else if (flags.csv) process.stdout.write(csv(report.rows.map((r) => ({ ...r, outlier: report.outliers.find((o) => o.key === r.key)?.kind ?? '' })), ['key', 'calls', 'chargedCents', 'unpricedCalls', 'millicentsPerCall', 'outlier']));
  else {
    process.stdout.write(table(report.rows.map((r) => ({ [groupBy]: r.key, calls: r.calls, charged: dollars(r.chargedCents), 'per call': `${(r.millicentsPerCall / 100_000).toFixed(4)} $`, flag: report.outliers.filter((o) => o.key === r.key).map((o) => o.kind).join(',') }))));
    process.stdout.write(`total ${dollars(report.totalCents)} over ${report.totalCalls} calls\n`);
    for (const o of report.outliers) process.stdout.write(`outlier: ${o.key} ${o.kind}: ${o.reason}\n`);
  }
  return EXIT.OK;
}

export async function reportCommand(flags: { html: string; since?: string }, global: GlobalFlags): Promise<number> {
  const since = parseSince(flags.since);
  const config = loadConfig(global);
  const { store } = readOnlyStore(config.home);
  const view = inspect({ store, policy: config.policy });
  const html = renderHtmlReport({ receipts: await view.receipts({ since }), budget: await view.budget(), generatedAt: Date.now() });
  await store.close();
  writeFileSync(flags.html, html, { mode: 0o600 });
  process.stderr.write(`paying-fetch: wrote ${flags.html}\n`);
  return EXIT.OK;
}
