import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { MCP_PATH } from '../../src/sandbox/index.js';
import { payingFetchFor, sandbox } from '../helpers.js';

// @modelcontextprotocol/sdk: `new StreamableHTTPClientTransport(url, { fetch })` against an MCP
// server whose every HTTP request is behind a Nevermined 402.

describe('MCP SDK (Streamable HTTP)', () => {
  it('connects, calls a tool (JSON answer) and a streamed tool (SSE answer), each request paid', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    const client = new Client({ name: 'agent', version: '1.0.0' });
    const logs: string[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(String(n.params.data)));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${sb.sellerUrl}${MCP_PATH}`), { fetch: pay }));

    const weather = await client.callTool({ name: 'weather', arguments: { city: 'Porto' } });
    expect(weather.content).toEqual([{ type: 'text', text: 'Sunny in Porto' }]);
    const countdown = await client.callTool({ name: 'countdown', arguments: { from: 3 } });
    expect(countdown.content).toEqual([{ type: 'text', text: 'liftoff' }]);
    expect(logs).toEqual(['3', '2', '1']);
    await client.close();

    const requests = sb.sellerRequests.filter((r) => r.path === MCP_PATH);
    expect(requests.filter((r) => r.paid).length).toBe(sb.stats().paidResponses);
    const bodies = requests.filter((r) => r.paid).map((r) => r.body.toString('utf8'));
    expect(bodies.filter((b) => b.includes('"tools/call"'))).toHaveLength(2);
  });
});
