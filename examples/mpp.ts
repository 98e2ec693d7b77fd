// Paying an MPP seller ("Payment" HTTP authentication: `WWW-Authenticate: Payment ...`) with
// payingFetch, inside the same budget, policy, receipts and safety as x402.
//   npx tsx examples/mpp.ts            (offline: the sandbox's MPP seller, method `test`, no chain)
// For real use: an mppx client method instead of the test one, e.g. `mppxMethod(tempo.charge({ ... }))`,
// and for Nevermined sellers nothing at all: their `method="nevermined"` challenges are paid with
// the `nevermined` credentials (the same delegation as x402).
import { Credential, Method, z } from 'mppx';
import { createPayingFetch, getReceipt, mppxMethod } from 'paying-fetch';
import { startMppSeller } from 'paying-fetch/sandbox';

const seller = await startMppSeller(); // /report costs $1.50, asked with `WWW-Authenticate: Payment ...`

// The sandbox seller's method: `test`/`charge`, a token as payload.
const testChargeMethod = Method.from({
  name: 'test',
  intent: 'charge',
  schema: {
    credential: { payload: z.object({ token: z.string() }) },
    request: z.object({ amount: z.string(), currency: z.string(), decimals: z.number(), recipient: z.string() }),
  },
});

// Any mppx client method is a plugin; this one makes a test credential (no chain).
const testClient = Method.toClient(testChargeMethod, {
  async createCredential({ challenge }) {
    return Credential.serialize({ challenge, payload: { token: 'example-token' } });
  },
});

const pay = createPayingFetch({
  mpp: [mppxMethod(testClient)],
  policy: {
    budget: { perDayCents: 500 },               // $5 a day, x402 and MPP together
    allow: { schemes: ['mpp:test'] },           // MPP methods appear as `mpp:<method>` to the policy
    // assets: { 'tempo:4217:0x20c0...': { decimals: 6, centsPerUnit: 100 } },  // a token by address
  },
  // selectRequirement: (candidates) => candidates.find((c) => c.kind === 'mpp'),  // prefer MPP when both are offered
});
pay.on('sign', (s) => console.log(`reserved ${s.priceCents} cents, then made a ${s.scheme} credential`));

const res = await pay(`${seller.url}/report`);
console.log(res.status, await res.json(), getReceipt(res)); // { success: true, transaction: 'ref-1', ... }
console.log('receipt:', (await pay.receipts())[0]);
console.log('budget today:', (await pay.budget()).perDay);
await seller.close();
