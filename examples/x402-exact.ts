// Paying a standard x402 seller (USDC `exact` on an EVM network) with the official scheme client,
// inside the same budget, receipts and safety as Nevermined payments.
//   npx tsx examples/x402-exact.ts            (offline: the sandbox's x402 seller and test facilitator)
// For real use: a funded wallet's key instead of a generated one, and the seller's URL.
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createPayingFetch, getReceipt } from 'paying-fetch';
import { startX402Seller, X402_SANDBOX_NETWORK as NETWORK } from 'paying-fetch/sandbox';

const seller = await startX402Seller(); // USDC `exact` on Base Sepolia; the test facilitator checks no chain
const account = privateKeyToAccount(generatePrivateKey());

const pay = createPayingFetch({
  schemes: [{ network: NETWORK, client: new ExactEvmScheme(account) }],
  policy: {
    budget: { perDayCents: 500 },                 // $5 a day across every seller
    allow: { networks: [NETWORK] },
    // assets: { 'eip155:8453:0x...': { decimals: 18, centsPerUnit: 100 } },  // anything beyond built-in USDC
  },
  // selectRequirement: (candidates) => candidates[0],   // override the choice among payable entries
});
pay.on('sign', (s) => console.log(`signed ${s.scheme} on ${s.network}: ${s.amount} atomic = ${s.priceCents} cents`));

const res = await pay(`${seller.url}/weather`);
console.log(res.status, await res.json(), getReceipt(res));
console.log('budget:', (await pay.budget()).perDay);
await seller.close();
