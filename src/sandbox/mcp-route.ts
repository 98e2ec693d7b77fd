import { z } from 'zod';
import type { SellerRequest, SellerRoute } from './seller-server.js';

// A tiny stateless MCP server (Streamable HTTP, JSON-RPC over POST) behind the sandbox's Nevermined
// 402: every HTTP request to it is paid, so an MCP client given paying-fetch as its `fetch` pays
// for its calls. Tools: `weather` answers as JSON, `countdown` answers as a server-sent event
// stream with log notifications before the result. Enough for clients, not a full server.

/** Path of the route under the seller: `${sandbox.sellerUrl}/mcp`. */
export const MCP_PATH = '/mcp';

const rpc = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string().max(100), z.number()]).optional(),
  method: z.string().max(100),
  params: z.record(z.string(), z.unknown()).optional(),
});

const TOOLS = [
  { name: 'weather', description: 'The weather in a city (paid).', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } },
  { name: 'countdown', description: 'Counts down, streaming each step (paid).', inputSchema: { type: 'object', properties: { from: { type: 'number' } } } },
];

type Answer = { status?: number; body: string; contentType?: string };
const json = (value: unknown, status = 200): Answer => ({ status, body: JSON.stringify(value), contentType: 'application/json' });
const sse = (messages: unknown[]): Answer => ({ body: messages.map((m) => `event: message\ndata: ${JSON.stringify(m)}\n\n`).join(''), contentType: 'text/event-stream' });

function toolResult(id: string | number, name: unknown, args: Record<string, unknown>): Answer {
  if (name === 'weather') {
    const city = typeof args.city === 'string' ? args.city.slice(0, 100) : 'Lisbon';
    return json({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `Sunny in ${city}` }] } });
  }
  if (name === 'countdown') {
    const from = Math.min(10, Math.max(1, typeof args.from === 'number' ? Math.floor(args.from) : 3));
    const steps = Array.from({ length: from }, (_, i) => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `${from - i}` } }));
    return sse([...steps, { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'liftoff' }] } }]);
  }
  return json({ jsonrpc: '2.0', id, error: { code: -32602, message: 'unknown tool' } });
}

function answer(request: SellerRequest): Answer {
  if (request.method !== 'POST') return { status: 405, body: '', contentType: 'text/plain' }; // no server-initiated stream
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const message = rpc.safeParse(parsed);
  if (!message.success) return json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }, 400);
  const { id, method, params } = message.data;
  if (id === undefined) return { status: 202, body: '', contentType: 'text/plain' }; // a notification
  switch (method) {
    case 'initialize':
      return json({ jsonrpc: '2.0', id, result: { protocolVersion: typeof params?.protocolVersion === 'string' ? params.protocolVersion : '2025-06-18', capabilities: { tools: {}, logging: {} }, serverInfo: { name: 'paying-fetch-sandbox', version: '1.0.0' } } });
    case 'tools/list':
      return json({ jsonrpc: '2.0', id, result: { tools: TOOLS } });
    case 'tools/call':
      return toolResult(id, params?.name, (params?.arguments as Record<string, unknown> | undefined) ?? {});
    case 'ping':
      return json({ jsonrpc: '2.0', id, result: {} });
    default:
      return json({ jsonrpc: '2.0', id, error: { code: -32601, message: 'method not found' } });
  }
}

/** A seller route serving the tiny MCP server once each request is paid with `planId`. */
export function mcpRoute(planId: string): SellerRoute {
  return { planId, respond: answer };
}
