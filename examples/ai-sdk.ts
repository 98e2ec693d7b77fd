// The AI SDK (ai 6 + @ai-sdk/openai 3) paying per call: `createOpenAI({ fetch })`, `streamText`.
//   npx tsx examples/ai-sdk.ts      (offline: the sandbox serves a chat-completions API behind a Nevermined 402)
// For real use: NVM_API_KEY and NVM_DELEGATION_ID, and the paid API's base URL.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { createPayingFetch } from 'paying-fetch';
import { createSandbox } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();
const pay = createPayingFetch({
  nevermined: { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId },
  policy: { budget: { perDayCents: 2_000 } },
  // The AI SDK lets a thrown refusal through untouched (no retry): the default 'throw' is fine.
});
const openai = createOpenAI({ apiKey: 'sk-unused-here', baseURL: `${sandbox.sellerUrl}/v1`, fetch: pay });

// `.chat(...)`: the chat-completions API (the provider's default model speaks the Responses API).
const { text } = await generateText({ model: openai.chat('sandbox'), prompt: 'Hello' });
console.log('answer:', text);

const result = streamText({ model: openai.chat('sandbox'), prompt: 'Stream it' });
let streamed = '';
for await (const part of result.textStream) streamed += part;
console.log('streamed:', streamed);
console.log('receipts:', (await pay.receipts()).length);
await sandbox.close();
