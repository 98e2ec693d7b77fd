// A budget-capped agent: it may never spend more than $20 a day, nor $5 an hour on one seller,
// and it renews its card delegation by itself only within those limits.
//   npx tsx examples/budget-capped-agent.ts      (against the built-in sandbox, offline)
import { BudgetExceededError, ConsentRequiredError, createPayingFetch } from 'paying-fetch';
import { createSandbox } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();

const pay = createPayingFetch({
  nevermined: { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, paymentMethodId: sandbox.paymentMethodId },
  policy: {
    budget: { perDayCents: 2000 }, // $20 a day, whatever happens
    perOrigin: { [sandbox.sellerUrl]: { perHourCents: 500 } }, // $5 an hour on this seller
    delegation: { spendingLimitCents: 300, durationSecs: 24 * 3600 }, // delegations of $3 at most
    autoRenew: { maxPerDay: 10 }, // replace an exhausted delegation, at most 10 times a day
    allow: { schemes: ['nvm:card-delegation'] },
  },
});
pay.on('budget-warning', (w) => console.log(`warning: ${w.limit} at ${w.percent}%`));
pay.on('blocked', (b) => console.log(`blocked: ${b.reason}`));

for (let call = 1; call <= 8; call += 1) {
  try {
    const res = await pay(`${sandbox.sellerUrl}/metered`); // $1 per call
    console.log(`call ${call}: ${res.status}`);
  } catch (error) {
    if (error instanceof BudgetExceededError) console.log(`call ${call}: stopped by ${error.limit}, $${(error.remainingCents / 100).toFixed(2)} left`);
    else if (error instanceof ConsentRequiredError) console.log(`call ${call}: needs consent ${error.consent}`);
    else throw error;
  }
}
console.log('budget:', await pay.budget());
console.log('receipts:', (await pay.receipts()).map((r) => `${r.path} ${r.orderTx ?? ''} ${r.amountCents}c`));
console.log('reconcile:', (await pay.reconcile()).ok ? 'ledger matches the backend' : 'gaps found');
await sandbox.close();
