// Paying one MPP ("Payment" HTTP auth) challenge by hand with paying-fetch's codec, against a
// seller you run: the pieces payingFetch uses (examples/mpp.ts pays MPP through payingFetch itself,
// under the policy and the ledger; prefer that).
//   NVM_API_KEY=sandbox:... NVM_DELEGATION_ID=... npx tsx examples/mpp-codec.ts https://seller/paid
import { neverminedMppMethod } from 'paying-fetch';
import { decodeMppReceipt, encodeCredential, findMppPlugin, NeverminedRestClient, neverminedMppNetwork, priceMppChallengeInCents, readMppChallenges } from 'paying-fetch/advanced';

const url = process.argv[2];
const apiKey = process.env.NVM_API_KEY;
const delegationId = process.env.NVM_DELEGATION_ID;
if (!url || !apiKey || !delegationId) {
  console.error('usage: NVM_API_KEY=... NVM_DELEGATION_ID=... tsx examples/mpp-codec.ts <url>');
  process.exit(2);
}

const client = new NeverminedRestClient({ apiKey });
const plugins = [neverminedMppMethod({ mint: (request, signal) => client.mintMpp(request, signal), delegationId, network: neverminedMppNetwork(client.backendId) })];

const first = await fetch(url);
if (first.status !== 402) {
  console.log('not a 402:', first.status);
  process.exit(0);
}
const challenge = readMppChallenges(first.headers).find((c) => findMppPlugin(plugins, c));
if (!challenge) throw new Error('no MPP challenge this example can pay');
console.log('challenge', challenge.method, challenge.intent, challenge.request, 'price in cents:', priceMppChallengeInCents(challenge) ?? 'not named');
const credential = await findMppPlugin(plugins, challenge)!.createCredential(challenge, { url, httpMethod: 'GET' });
const { name, value } = encodeCredential(challenge, credential);
const paid = await fetch(url, { headers: { [name]: value } });
console.log(paid.status, decodeMppReceipt(paid.headers));
