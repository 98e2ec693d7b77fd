// The OpenAI SDK (openai 6) paying per call through paying-fetch: `new OpenAI({ fetch, baseURL })`.
//   npx tsx examples/openai.ts      (offline: the sandbox serves a chat-completions API behind a Nevermined 402)
// For real use: NVM_API_KEY and NVM_DELEGATION_ID, and the paid API's base URL.
import OpenAI from 'openai';
import { createPayingFetch } from 'paying-fetch';
import { createSandbox } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();
const pay = createPayingFetch({
  nevermined: { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId },
  policy: { budget: { perDayCents: 2_000 } },
  // openai-node turns a thrown error into a retried "Connection error": answer refusals as a 402 instead.
  refusals: 'response',
});
const client = new OpenAI({ apiKey: 'sk-unused-here', baseURL: `${sandbox.sellerUrl}/v1`, fetch: pay });

const completion = await client.chat.completions.create({ model: 'sandbox', messages: [{ role: 'user', content: 'Hello' }] });
console.log('answer:', completion.choices[0]?.message.content);

const stream = await client.chat.completions.create({ model: 'sandbox', messages: [{ role: 'user', content: 'Stream it' }], stream: true });
let streamed = '';
for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
console.log('streamed:', streamed);

// Past the budget, a call fails with a 402 APIError (not retried); getRefusal(error) is the typed
// PolicyRefusalError behind it (BudgetExceededError with its limit, used and remaining cents, ...).
console.log('spent today:', (await pay.budget()).perDay?.spentCents, 'cents');
await sandbox.close();
