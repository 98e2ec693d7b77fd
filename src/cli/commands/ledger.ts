import { createPayingFetch } from '../../fetch/create-paying-fetch.js';
import { Ledger } from '../../policy/ledger.js';
import { EmbeddedStore } from '../../store/embedded-store.js';
import { redactKey } from '../../util/redact.js';
import type { ReceiptRecord } from '../../store/types.js';
import { loadConfig, payingFetchOptions, type GlobalFlags } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { csv, dollars, table, when } from '../format.js';

/** Opens the state read-only: spend can be inspected without a key and without an agent running. */
function readOnly(global: GlobalFlags): { store: EmbeddedStore; ledger: Ledger } {
  const config = loadConfig(global);
  const store = new EmbeddedStore(config.home, { readOnly: true });
  return { store, ledger: new Ledger(store, config.policy, Date.now) };
}

export async function budgetCommand(flags: { json?: boolean }, global: GlobalFlags): Promise<number> {
  const { store, ledger } = readOnly(global);
  const view = await ledger.budget();
  await store.close();
  if (flags.json) {
    process.stdout.write(JSON.stringify(view) + '\n');
    return EXIT.OK;
  }
  const rows = (['lifetime', 'perHour', 'perDay'] as const).map((w) => ({
    window: w,
    limit: dollars(view[w].limitCents),
    reserved: dollars(view[w].reservedCents),
    committed: dollars(view[w].committedCents),
    remaining: view[w].remainingCents === undefined ? 'no limit' : dollars(view[w].remainingCents),
  }));
  process.stdout.write(table(rows));
  if (view.unknownCents) process.stdout.write(`unknown outcomes: ${dollars(view.unknownCents)} (run paying-fetch reconcile)\n`);
  return EXIT.OK;
}

const RECEIPT_COLUMNS = ['id', 'at', 'method', 'origin', 'path', 'status', 'outcome', 'provider', 'planId', 'delegationId', 'transaction', 'orderTx', 'amountCents', 'creditsRedeemed', 'remainingBalance', 'tokenHash', 'agent'];

export async function receiptsCommand(flags: { since?: string; origin?: string; json?: boolean; csv?: boolean }, global: GlobalFlags): Promise<number> {
  const { store } = readOnly(global);
  const since = flags.since === undefined ? undefined : Date.parse(flags.since);
  if (since !== undefined && Number.isNaN(since)) throw Object.assign(new Error(`--since ${flags.since} is not a date`), { code: 'commander.error' });
  const receipts: ReceiptRecord[] = await store.receipts({ since, origin: flags.origin });
  await store.close();
  if (flags.json) process.stdout.write(JSON.stringify(receipts) + '\n');
  else if (flags.csv) process.stdout.write(csv(receipts.map((r) => ({ ...r, at: new Date(r.at).toISOString() })), RECEIPT_COLUMNS));
  else {
    process.stdout.write(table(receipts.map((r) => ({ at: when(r.at), method: r.method, url: r.origin + r.path, status: r.status, outcome: r.outcome, charged: dollars(r.amountCents), orderTx: r.orderTx, provider: r.provider }))));
  }
  return EXIT.OK;
}

export async function keysCommand(flags: { json?: boolean }, global: GlobalFlags): Promise<number> {
  const config = loadConfig(global);
  const store = new EmbeddedStore(config.home, { readOnly: true });
  const keys = (await store.keys()).map(({ apiKey, ...rest }) => ({ ...rest, key: redactKey(apiKey) }));
  await store.close();
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
