import { backendClient, type GlobalFlags } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { dollars, table } from '../format.js';

export async function delegationsCommand(flags: { json?: boolean }, global: GlobalFlags): Promise<number> {
  const delegations = await backendClient(global).listDelegations();
  if (flags.json) process.stdout.write(JSON.stringify(delegations) + '\n');
  else {
    process.stdout.write(table(delegations.map((d) => ({
      id: d.delegationId, status: d.status, card: d.providerPaymentMethodId, limit: dollars(d.spendingLimitCents),
      spent: dollars(d.amountSpentCents), remaining: dollars(d.remainingBudgetCents), expires: d.expiresAt, plan: d.planId ?? '-',
    }))));
  }
  return EXIT.OK;
}

export async function cardsCommand(flags: { json?: boolean }, global: GlobalFlags): Promise<number> {
  const cards = await backendClient(global).listPaymentMethods();
  if (flags.json) process.stdout.write(JSON.stringify(cards) + '\n');
  else process.stdout.write(table(cards.map((c) => ({ id: c.id, brand: c.brand, last4: c.last4, expires: c.expMonth ? `${c.expMonth}/${c.expYear}` : '-', status: c.status, alias: c.alias }))));
  return EXIT.OK;
}
