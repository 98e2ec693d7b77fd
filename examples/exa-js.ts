// exa-js paying with a bought Exa key: exa-js has no fetch option and takes the global fetch when
// it is first imported, so load it while paying-fetch is the global fetch, and give it
// PLACEHOLDER_KEY: paying-fetch puts the key it bought (or tops up) in its place.
//   npx tsx examples/exa-js.ts      (offline: the sandbox's Exa-like vendor)
// For real use: exa() with no options, NVM_API_KEY (live) and NVM_DELEGATION_ID, and `new Exa(PLACEHOLDER_KEY)`.
import { createPayingFetch, exa, PLACEHOLDER_KEY } from 'paying-fetch';
import { createSandbox } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();
const pay = createPayingFetch({
  nevermined: { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId },
  providers: [exa({ purchaseUrl: `${sandbox.vendorUrl}/team-management/nevermined/purchase-key`, apiOrigin: sandbox.vendorUrl })],
  policy: { budget: { perDayCents: 2_000 }, autoTopUp: { maxPerDay: 2 } },
});

const globalFetch = globalThis.fetch;
globalThis.fetch = pay;
const { Exa } = await import('exa-js'); // a dynamic import: it must run after the line above
globalThis.fetch = globalFetch; // exa-js keeps paying-fetch; the rest of the process does not

const client = new Exa(PLACEHOLDER_KEY, sandbox.vendorUrl); // real Exa: new Exa(PLACEHOLDER_KEY)
const { results } = await client.search('agent payments');
console.log('results:', results.map((r) => r.title));

let answer = '';
for await (const chunk of client.streamAnswer('what is paying-fetch?')) answer += chunk.content ?? '';
console.log('streamed answer:', answer);
console.log('keys:', await pay.keys()); // the key itself never shows: exa_…
await sandbox.close();
