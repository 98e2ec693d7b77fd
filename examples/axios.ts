// axios paying per call: `adapter: 'fetch'` and `env: { fetch }`. Both are needed: axios's default
// (http) adapter ignores env.fetch, and the 402 would come back unpaid.
//   npx tsx examples/axios.ts      (offline: the built-in sandbox)
import axios from 'axios';
import { createPayingFetch, getRefusal } from 'paying-fetch';
import { createSandbox, SANDBOX_PLANS } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();
const pay = createPayingFetch({
  nevermined: { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId },
  policy: { budget: { perDayCents: 2_000 }, deny: { planIds: [SANDBOX_PLANS.premium] } },
  // axios neither retries nor hides a thrown refusal (it is the AxiosError's cause): either mode works.
});
const api = axios.create({ adapter: 'fetch', env: { fetch: pay }, baseURL: sandbox.sellerUrl });

const res = await api.get('/weather', { params: { city: 'Lisbon' } });
console.log(res.status, res.data);

const streamed = await api.post('/v1/chat/completions', { model: 'sandbox', stream: true, messages: [{ role: 'user', content: 'hi' }] }, { responseType: 'stream' });
let bytes = 0;
for await (const chunk of streamed.data as AsyncIterable<Uint8Array>) bytes += chunk.length;
console.log('streamed', bytes, 'bytes of server-sent events');

try {
  await api.get('/premium'); // a plan the policy denies
} catch (error) {
  const refusal = getRefusal(error) ?? (error as { cause?: unknown }).cause;
  console.log('refused:', (refusal as { code?: string } | undefined)?.code);
}
await sandbox.close();
