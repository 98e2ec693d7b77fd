import { createPayingFetch } from '../../fetch/create-paying-fetch.js';
import { inspect, type Inspection } from '../../insight/inspect.js';
import type { WindowView } from '../../policy/budget-view.js';
import { loadConfig, payingFetchOptions, readOnlyStore, type GlobalFlags } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { csv, dollars, table, when } from '../format.js';
import { parseSince } from '../since.js';

/** Reads the state read-only: spend can be inspected without a key and while an agent runs. */
async function withInspection<T>(global: GlobalFlags, read: (view: Inspection) => Promise<T>): Promise<T> {
  const config = loadConfig(global);
  const { store, empty } = readOnlyStore(config.home);
  if (empty) process.stderr.write(`paying-fetch: no state yet in ${config.home} (nothing spent there)\n`);
  try {
    return await read(inspect({ store, policy: config.policy }));
  } finally {
    await store.close();
  }
}

const WINDOWS = ['lifetime', 'perHour', 'perDay'] as const;

export function budgetRow(window: string, w: WindowView) {
  return {
    window,
    limit: w.limitCents === undefined ? 'no limit' : dollars(w.limitCents),
    spent: dollars(w.spentCents),
    'reserved, not spent': dollars(w.unspentReservedCents),
    'left to reserve': w.remainingCents === undefined ? '-' : dollars(w.remainingCents),
  };
}

export async function budgetCommand(flags: { json?: boolean }, global: GlobalFlags): Promise<number> {
  const view = await withInspection(global, (i) => i.budget());
  if (flags.json) {
    process.stdout.write(JSON.stringify(view) + '\n');
    return EXIT.OK;
  }
  process.stdout.write(table(WINDOWS.map((w) => budgetRow(w, view[w]))));
  process.stdout.write('\nspent: charged to the card or paid · reserved, not spent: held for open delegations and\n' +
    'payments in flight (they can still spend it) · left to reserve: room for new delegations and purchases\n');
  if (view.unknownCents) process.stdout.write(`unknown outcomes: ${dollars(view.unknownCents)} (run paying-fetch reconcile)\n`);
  return EXIT.OK;
}

const RECEIPT_COLUMNS = ['id', 'at', 'method', 'origin', 'path', 'status', 'outcome', 'provider', 'planId', 'delegationId', 'transaction', 'orderTx', 'amountCents', 'creditsRedeemed', 'remainingBalance', 'tokenHash', 'agent'];

export async function receiptsCommand(flags: { since?: string; origin?: string; json?: boolean; csv?: boolean }, global: GlobalFlags): Promise<number> {
  const since = parseSince(flags.since);
  const receipts = await withInspection(global, (i) => i.receipts({ since, origin: flags.origin }));
  if (flags.json) process.stdout.write(JSON.stringify(receipts) + '\n');
  else if (flags.csv) process.stdout.write(csv(receipts.map((r) => ({ ...r, at: new Date(r.at).toISOString() })), RECEIPT_COLUMNS));
  else {
    process.stdout.write(table(receipts.map((r) => ({ at: when(r.at), method: r.method, url: r.origin + r.path, status: r.status, outcome: r.outcome, charged: dollars(r.amountCents), orderTx: r.orderTx, provider: r.provider }))));
  }
  return EXIT.OK;
}

export async function keysCommand(flags: { json?: boolean }, global: GlobalFlags): Promise<number> {
  const keys = await withInspection(global, (i) => i.keys());
  if (flags.json) process.stdout.write(JSON.stringify(keys) + '\n');
  else process.stdout.write(table(keys.map((k) => ({ provider: k.provider, principal: k.principal, key: k.key, created: when(k.createdAt), lastUsed: when(k.lastUsedAt), lastTopUp: when(k.lastTopUpAt), purchases: k.purchases, units: k.units }))));
  return EXIT.OK;
}

export async function reconcileCommand(flags: { json?: boolean }, global: GlobalFlags): Promise<number> {
  const config = loadConfig(global);
  const pay = createPayingFetch(payingFetchOptions(global, config));
  const report = await pay.reconcile();
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    process.stdout.write(`checked ${report.delegationsChecked} delegation(s)\n`);
    for (const c of report.unknownCharges) process.stdout.write(`charge the ledger did not know: ${c.transactionId} ${dollars(c.amountCents)} on ${c.delegationId} (now recorded)\n`);
    for (const c of report.missingCharges) process.stdout.write(`ledger charge the backend does not show: ${c.transactionId} ${dollars(c.amountCents)} on ${c.delegationId}\n`);
    for (const r of report.resolvedUnknown) process.stdout.write(`unknown outcome ${r.receiptId} settled: ${r.outcome}${r.transactionId ? ` (${r.transactionId})` : ''}\n`);
    for (const f of report.failures) process.stdout.write(`could not check ${f.delegationId}: ${f.error}\n`);
    process.stdout.write(report.ok ? 'ledger and backend agree\n' : 'gaps found\n');
  }
  return report.ok ? EXIT.OK : EXIT.HTTP_ERROR;
}
