import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPayingFetch, type PayingFetch } from '../fetch/create-paying-fetch.js';
import { getReceipt } from '../fetch/receipts.js';
import { NeverminedRestClient } from '../nevermined/rest-client.js';
import { createSandbox, SANDBOX_PLANS, type Sandbox } from '../sandbox/index.js';
import { EmbeddedStore } from '../store/embedded-store.js';
import { dollars, table } from './format.js';

/** Where the demo writes: live progress on a terminal, plain lines anywhere else. */
interface Output {
  line(text: string): void;
  progress(text: string): void;
  done(): void;
}

function output(stream: NodeJS.WriteStream): Output {
  if (!stream.isTTY) return { line: (t) => stream.write(t + '\n'), progress: () => {}, done: () => {} };
  let bar = '';
  return {
    line: (t) => stream.write(`\r\x1b[K${t}\n${bar}`),
    progress: (t) => {
      bar = t;
      stream.write(`\r\x1b[K${t}`);
    },
    done: () => stream.write('\r\x1b[K'),
  };
}

function budgetBar(spentCents: number, limitCents: number, width = 24): string {
  const filled = Math.min(width, Math.round((spentCents / limitCents) * width));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** A state folder of the demo's own: a home that already spent (or has another policy) must not change the demo. */
function freshHome(): string {
  return join(mkdtempSync(join(tmpdir(), 'paying-fetch-demo-')), 'state');
}

/**
 * The demo: a small agent makes paid calls against the built-in sandbox (a local Nevermined
 * backend and a protected seller on 127.0.0.1), with a $20 daily budget. No network, no keys.
 * It always uses a fresh state (never PAYING_FETCH_HOME) and always closes the sandbox.
 */
export async function runDemo(stream: NodeJS.WriteStream = process.stdout): Promise<void> {
  const sandbox = await createSandbox({ delegationLimitCents: LIMIT_CENTS });
  try {
    await demoCalls(sandbox, freshHome(), output(stream), stream);
  } finally {
    await sandbox.close();
  }
}

const LIMIT_CENTS = 2000;

async function demoCalls(sandbox: Sandbox, home: string, out: Output, stream: NodeJS.WriteStream): Promise<void> {
  const nevermined = { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId };
  const store = new EmbeddedStore(home);
  const pay = createPayingFetch({ nevermined, store, policy: { budget: { perDayCents: LIMIT_CENTS } } });
  let mints = 0;
  pay.on('mint', (e) => {
    mints += 1;
    out.line(`  mint      plan …${e.planId.slice(-4)} (${e.reason}), token ${e.tokenHash.slice(0, 18)}…`);
  });
  pay.on('blocked', (e) => out.line(`  blocked   ${e.reason}: ${e.detail}`));

  const routes = [...Array(12).fill('/weather'), '/premium', '/premium', '/free'] as string[];
  out.line(`paying-fetch demo: seller ${sandbox.sellerUrl}, backend ${sandbox.backendUrl}`);
  out.line(`state: ${home} (fresh for this run)\n`);
  for (const [i, route] of routes.entries()) {
    const res = await pay(`${sandbox.sellerUrl}${route}?call=${i + 1}`);
    await res.arrayBuffer();
    const receipt = getReceipt(res);
    const charged = receipt?.orderTx ? `card charged (${receipt.orderTx.slice(0, 10)}…)` : '';
    out.line(`  call ${String(i + 1).padStart(2)}   ${route.padEnd(9)} -> ${res.status}  credits left ${receipt?.remainingBalance ?? '-'}  ${charged}`.trimEnd());
    const stats = sandbox.stats();
    out.progress(`${budgetBar(stats.chargedCents, LIMIT_CENTS)} ${i + 1}/${routes.length} calls · ${mints} mints · ${dollars(stats.chargedCents)} charged of ${dollars(LIMIT_CENTS)}`);
  }
  out.done();
  stream.write('\nsummary\n');
  stream.write(table(await summaryRows(sandbox, pay, { calls: routes.length, mints, home })));
  await store.close();
}

async function summaryRows(sandbox: Sandbox, pay: PayingFetch, run: { calls: number; mints: number; home: string }) {
  const delegation = await new NeverminedRestClient({ apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl }).getDelegation(sandbox.delegationId);
  const stats = sandbox.stats();
  const day = (await pay.budget()).perDay;
  return [
    { what: 'calls made', value: run.calls },
    { what: 'paid responses', value: stats.paidResponses },
    { what: 'tokens minted', value: run.mints },
    { what: '402 challenges seen', value: stats.challenges },
    { what: 'card charges', value: stats.charges },
    { what: 'charged in total', value: dollars(stats.chargedCents) },
    { what: 'delegation limit', value: dollars(delegation.spendingLimitCents) },
    { what: 'delegation remaining', value: dollars(delegation.remainingBudgetCents) },
    { what: 'daily budget', value: dollars(day.limitCents) },
    { what: 'spent today', value: dollars(day.spentCents) },
    { what: 'reserved for the delegation, not spent', value: dollars(day.unspentReservedCents) },
    { what: 'basic plan credits left', value: sandbox.world.balance(sandbox.principal, SANDBOX_PLANS.basic) },
    { what: 'receipts on disk', value: `${(await pay.receipts()).length} in ${run.home}` },
  ];
}
