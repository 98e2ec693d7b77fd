// The demo: an agent pays for API calls through paying-fetch, against the built-in sandbox
// (a local Nevermined backend and a protected seller on 127.0.0.1). No network, no keys.
//   npm run demo
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPayingFetch, EmbeddedStore, getReceipt, NeverminedRestClient } from '../src/index.js';
import { createSandbox, SANDBOX_PLANS } from '../src/sandbox/index.js';

const sandbox = await createSandbox({ delegationLimitCents: 2000 });
const nevermined = { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId };
// The ledger and receipts go to disk (a fresh folder: each demo run has its own sandbox world).
const home = process.env.PAYING_FETCH_HOME ?? join(mkdtempSync(join(tmpdir(), 'paying-fetch-demo-')), 'state');
const pay = createPayingFetch({ nevermined, store: new EmbeddedStore(home), policy: { budget: { perDayCents: 2000 } } });
const backend = new NeverminedRestClient(nevermined);

let mints = 0;
pay.on('mint', (e) => {
  mints += 1;
  console.log(`  mint      plan …${e.planId.slice(-4)} (${e.reason}) token ${e.tokenHash.slice(0, 18)}…`);
});
pay.on('blocked', (e) => console.log(`  blocked   ${e.reason}: ${e.detail}`));

const calls: Array<{ route: string; status: number; charged: string; credits: string }> = [];
const plan = [...Array(12).fill('/weather'), '/premium', '/premium', '/free'] as string[];

console.log(`paying-fetch demo: seller ${sandbox.sellerUrl}, backend ${sandbox.backendUrl}\n`);
for (const [i, route] of plan.entries()) {
  const res = await pay(`${sandbox.sellerUrl}${route}?call=${i + 1}`);
  await res.arrayBuffer();
  const receipt = getReceipt(res);
  const charged = receipt?.orderTx ? `card charged (${receipt.orderTx.slice(0, 10)}…)` : '-';
  calls.push({ route, status: res.status, charged, credits: receipt?.remainingBalance ?? '-' });
  console.log(`  call ${String(i + 1).padStart(2)}   ${route.padEnd(9)} -> ${res.status}  credits left ${receipt?.remainingBalance ?? '-'}  ${charged}`);
}

const delegation = await backend.getDelegation(sandbox.delegationId);
const budget = await pay.budget();
const stats = sandbox.stats();
const cents = (c: number) => `$${(c / 100).toFixed(2)}`;
console.log('\nsummary');
console.table({
  'calls made': calls.length,
  'paid responses': stats.paidResponses,
  'tokens minted': mints,
  '402 challenges seen': stats.challenges,
  'card charges': stats.charges,
  'charged in total': cents(stats.chargedCents),
  'delegation limit': cents(delegation.spendingLimitCents),
  'delegation remaining': cents(delegation.remainingBudgetCents ?? 0),
  'basic plan credits left': sandbox.world.balance(sandbox.principal, SANDBOX_PLANS.basic),
  'daily budget': cents(budget.perDay.limitCents ?? 0),
  'reserved for the delegation': cents(budget.perDay.reservedCents),
});
console.log(`receipts on disk: ${(await pay.receipts()).length} in ${home}`);
await sandbox.close();
