// The MCP SDK paying for every HTTP request of a paid MCP server (a Nevermined 402 in front of it):
// `new StreamableHTTPClientTransport(url, { fetch })`. (For servers that ask for payment inside a
// tool result instead, see examples/mcp-tools.ts and payingMcp.)
//   npx tsx examples/mcp-http.ts      (offline: the sandbox's MCP route)
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { createPayingFetch } from 'paying-fetch';
import { createSandbox, MCP_PATH } from 'paying-fetch/sandbox';

const sandbox = await createSandbox();
const pay = createPayingFetch({
  nevermined: { apiKey: sandbox.apiKey, backendUrl: sandbox.backendUrl, delegationId: sandbox.delegationId },
  policy: { budget: { perDayCents: 2_000 } },
});
const client = new Client({ name: 'my-agent', version: '1.0.0' });
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => console.log('  progress:', n.params.data));
await client.connect(new StreamableHTTPClientTransport(new URL(`${sandbox.sellerUrl}${MCP_PATH}`), { fetch: pay }));

const weather = await client.callTool({ name: 'weather', arguments: { city: 'Lisbon' } });
console.log('weather:', weather.content);
const countdown = await client.callTool({ name: 'countdown', arguments: { from: 3 } }); // answered as a stream
console.log('countdown:', countdown.content);
await client.close();
console.log('paid requests:', sandbox.stats().paidResponses);
await sandbox.close();
