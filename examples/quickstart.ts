// Quickstart: pay a Nevermined-protected API with paying-fetch.
//   npx tsx examples/quickstart.ts            (against the built-in sandbox, offline)
// With real credentials, drop the sandbox and set NVM_API_KEY and NVM_DELEGATION_ID instead.
import { createPayingFetch, getReceipt } from 'paying-fetch';
import { createSandbox } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();

const pay = createPayingFetch({
  nevermined: {
    apiKey: sandbox.apiKey, // sandbox:<JWT>, live:<JWT>: the prefix picks the backend
    backendUrl: sandbox.backendUrl, // only needed for the sandbox or a custom backend
    delegationId: sandbox.delegationId, // the card delegation that pays
  },
});
pay.on('mint', (e) => console.log(`minted a token for plan ${e.planId.slice(0, 8)}… (${e.reason})`));

const res = await pay(`${sandbox.sellerUrl}/weather?city=Lisbon`);
console.log(res.status, await res.json());
console.log('receipt:', getReceipt(res));

await sandbox.close();
