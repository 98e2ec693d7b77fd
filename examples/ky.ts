// ky paying per call: `ky.create({ fetch })`.
//   npx tsx examples/ky.ts      (offline: the built-in sandbox)
import ky, { HTTPError } from 'ky';
import { createPayingFetch, getReceipt, getRefusal } from 'paying-fetch';
import { createSandbox, SANDBOX_PLANS } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();
const pay = createPayingFetch({
  nevermined: { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId },
  policy: { budget: { perDayCents: 2_000 }, deny: { planIds: [SANDBOX_PLANS.premium] } },
  // ky retries GETs that throw: answer refusals as a 402 (an HTTPError, never retried) instead.
  refusals: 'response',
});
const api = ky.create({ fetch: pay, prefixUrl: sandbox.sellerUrl });

const res = await api.get('weather', { searchParams: { city: 'Lisbon' } });
console.log(res.status, await res.json(), getReceipt(res)?.transaction);

// A streamed answer: read the body as it arrives.
const streamed = await api.post('v1/chat/completions', { json: { model: 'sandbox', stream: true, messages: [{ role: 'user', content: 'hi' }] } });
let bytes = 0;
for await (const chunk of streamed.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
console.log('streamed', bytes, 'bytes of server-sent events');

try {
  await api.get('premium'); // a plan the policy denies
} catch (error) {
  if (error instanceof HTTPError && getRefusal(error)) console.log('refused:', getRefusal(error)?.code);
  else throw error;
}
await sandbox.close();
