// Paying for MCP tools: a tool result asking for payment (isError + PaymentRequired) is paid and
// the call repeated with `_meta["x402/payment"]` and, for Nevermined servers, a Bearer header.
//   npx tsx examples/mcp-tools.ts https://your-mcp-server/mcp      (NVM_API_KEY, NVM_DELEGATION_ID set)
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { bearerFetch, createPayingFetch, payingMcp } from 'paying-fetch';

const serverUrl = process.argv[2];
if (!serverUrl || !process.env.NVM_API_KEY) {
  console.error('usage: NVM_API_KEY=... NVM_DELEGATION_ID=... tsx examples/mcp-tools.ts <mcp-url>');
  process.exit(2);
}

const pay = createPayingFetch({
  nevermined: { apiKey: process.env.NVM_API_KEY, delegationId: process.env.NVM_DELEGATION_ID },
  policy: { budget: { perDayCents: 1_000 } },
});
const bearer = bearerFetch(); // adds Authorization: Bearer <token> to the paid call only
const client = new Client({ name: 'my-agent', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { fetch: bearer.fetch }));

const tools = payingMcp(client as never, pay, { serverUrl, setBearer: bearer.setBearer });
const result = await tools.callTool({ name: 'weather', arguments: { city: 'Lisbon' } });
console.log(result.content, await pay.receipts({ limit: 1 }));
await client.close();
