// LangChain (@langchain/openai) paying per call: `new ChatOpenAI({ configuration: { fetch, baseURL } })`.
//   npx tsx examples/langchain.ts      (offline: the sandbox serves a chat-completions API behind a Nevermined 402)
// For real use: NVM_API_KEY and NVM_DELEGATION_ID, and the paid API's base URL.
import { ChatOpenAI } from '@langchain/openai';
import { createPayingFetch } from 'paying-fetch';
import { createSandbox } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();
const pay = createPayingFetch({
  nevermined: { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId },
  policy: { budget: { perDayCents: 2_000 } },
  // LangChain (over openai-node) retries a thrown error as a connection error, several times: answer instead.
  refusals: 'response',
});
const model = new ChatOpenAI({ model: 'sandbox', apiKey: 'sk-unused-here', configuration: { baseURL: `${sandbox.sellerUrl}/v1`, fetch: pay } });

const message = await model.invoke('Hello');
console.log('answer:', message.content);

let streamed = '';
for await (const chunk of await model.stream('Stream it')) streamed += String(chunk.content);
console.log('streamed:', streamed);
await sandbox.close();
