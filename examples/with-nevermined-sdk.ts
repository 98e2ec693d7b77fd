// Using paying-fetch with your own @nevermined-io/payments instance (1.7 to 1.11).
//   npm install @nevermined-io/payments@^1.7
//   NVM_API_KEY=sandbox:... NVM_DELEGATION_ID=... npx tsx examples/with-nevermined-sdk.ts https://your-api/paid
//
// paying-fetch mints through payments.x402.getX402AccessToken and lists/creates delegations with
// payments.delegation.*; give it your API key too and it can read delegation transactions itself.
import { createPayingFetch, getReceipt, type PaymentsLike } from 'paying-fetch';

const url = process.argv[2];
if (!url || !process.env.NVM_API_KEY || !process.env.NVM_DELEGATION_ID) {
  console.error('usage: NVM_API_KEY=... NVM_DELEGATION_ID=... tsx examples/with-nevermined-sdk.ts <url>');
  process.exit(2);
}

// The SDK is an optional peer dependency, not installed in this repository, so it is loaded by
// name and described here. In your code, `import { Payments } from '@nevermined-io/payments'` and
// pass the instance as is: a real 1.7-1.11 `Payments` needs no cast (see
// test/nevermined/payments-sdk-types.test.ts).
const sdk = (await import('@nevermined-io/payments' as string)) as {
  Payments: { getInstance(o: { nvmApiKey: string; environment: string }): PaymentsLike };
};
const payments = sdk.Payments.getInstance({
  nvmApiKey: process.env.NVM_API_KEY,
  environment: process.env.NVM_API_KEY.split(':')[0] ?? 'sandbox',
});

const pay = createPayingFetch({
  nevermined: {
    payments,
    apiKey: process.env.NVM_API_KEY, // optional: lets paying-fetch read what the SDK lacks
    delegationId: process.env.NVM_DELEGATION_ID,
  },
});

const res = await pay(url);
console.log(res.status, getReceipt(res));
