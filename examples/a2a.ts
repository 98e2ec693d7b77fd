// Paying other agents over A2A: a task asking for payment (x402 A2A transport: `input-required`
// with `x402.payment.required`) is paid within the policy and answered under the same taskId.
//   npx tsx examples/a2a.ts https://your-agent.example      (NVM_API_KEY, NVM_DELEGATION_ID set)
// Only the public entry point of paying-fetch is used (the package's `paying-fetch` import).
import { ClientFactory, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { A2APaymentFailedError, createPayingFetch, payingA2A } from 'paying-fetch';

const agentBase = process.argv[2];
if (!agentBase || !process.env.NVM_API_KEY) {
  console.error('usage: NVM_API_KEY=... NVM_DELEGATION_ID=... tsx examples/a2a.ts <agent-base-url>');
  process.exit(2);
}

const pay = createPayingFetch({
  nevermined: { apiKey: process.env.NVM_API_KEY, delegationId: process.env.NVM_DELEGATION_ID },
  policy: { budget: { perDayCents: 1_000 } },
});
// The PayingFetch as the transport's fetch also pays Nevermined's older agents (HTTP 402 and the
// payment-signature header); legacyCompat speaks the v0.3 wire (message/send) to agents still on it.
const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl: pay, legacyCompat: { enabled: true } })] });
const client = await factory.createFromUrl(agentBase);
const agentUrl = (await client.getAgentCard()).supportedInterfaces[0]?.url ?? agentBase; // where messages go
const agent = payingA2A(client, pay, { agentUrl });

const message = { messageId: crypto.randomUUID(), role: 1 /* ROLE_USER */, parts: [{ content: { $case: 'text', value: 'Weather in Lisbon?' } }] };
try {
  console.log(await agent.sendMessage({ message } as never));
  for await (const event of agent.sendMessageStream({ message: { ...message, messageId: crypto.randomUUID() } } as never)) console.log(event);
} catch (error) {
  if (error instanceof A2APaymentFailedError) console.error('the agent refused the payment:', error.agentCode);
  else throw error;
}
console.log(await pay.receipts({ limit: 2 }));
