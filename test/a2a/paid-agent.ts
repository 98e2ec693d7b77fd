import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Role, TaskState, type AgentCard, type Message, type Task } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory, DefaultAgentCardResolver } from '@a2a-js/sdk/client';
import { DefaultRequestHandler, InMemoryTaskStore, type AgentExecutor, type ExecutionEventBus, type RequestContext } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';

const KEYS = { status: 'x402.payment.status', required: 'x402.payment.required', payload: 'x402.payment.payload', receipts: 'x402.payment.receipts', error: 'x402.payment.error', settlement: 'x402.payment.settlement' };

/** What the agent's payment check decided for one payload (verify + settle, done by the test). */
export type Charge = { ok: true; receipt: Record<string, unknown> } | { ok: false; code: string; reason: string };

export interface PaidAgentOptions {
  /** `x402.payment.required` as the agent sends it (anything: hostile agents send junk). */
  required: () => unknown;
  /** Verifies and settles a payload against the sandbox or a signature check. */
  charge: (payload: Record<string, unknown>) => Charge;
  /** How the agent behaves after it received a payment. */
  after?: 'complete' | 'ask-again' | 'deferred' | 'never-complete';
  /** Serve the v0.3 wire only (`message/send`, `input-required`), as older agents do. */
  legacy?: boolean;
  /** Nevermined's older agents: HTTP 402 without a `payment-signature` header; no in-band flow. */
  headerOnly?: { challenge: string; verify: (token: string) => Record<string, unknown> | undefined };
}

/** What the agent saw: every message's payment metadata, and every JSON-RPC method on the wire. */
export interface AgentLog {
  messages: Array<{ taskId: string; status: unknown; payload: unknown; extensions: string | undefined }>;
  methods: string[];
  charges: Charge[];
}

function agentMessage(taskId: string, contextId: string, text: string, metadata: Record<string, unknown>): Message {
  return { messageId: crypto.randomUUID(), contextId, taskId, role: Role.ROLE_AGENT, parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata, extensions: [], referenceTaskIds: [] };
}

function task(ctx: RequestContext, state: TaskState, message: Message | undefined): Task {
  return { id: ctx.taskId, contextId: ctx.contextId, status: { state, message, timestamp: new Date().toISOString() }, artifacts: [], history: [], metadata: undefined };
}

/**
 * A real A2A agent built with `@a2a-js/sdk`'s server pieces (DefaultRequestHandler, JSON-RPC over
 * Express, SSE streaming) that charges per message with the x402 A2A transport.
 */
export async function startPaidAgent(options: PaidAgentOptions) {
  const log: AgentLog = { messages: [], methods: [], charges: [] };
  const after = options.after ?? 'complete';
  const executor: AgentExecutor = {
    async execute(ctx: RequestContext, bus: ExecutionEventBus) {
      const { taskId, contextId } = ctx;
      const meta = (ctx.userMessage.metadata ?? {}) as Record<string, unknown>;
      const payload = meta[KEYS.payload];
      const extensions = ctx.context.requestedExtensions ? [...ctx.context.requestedExtensions].join(',') : undefined;
      log.messages.push({ taskId, status: meta[KEYS.status], payload, extensions });
      const ask = () => {
        const required = options.required();
        bus.publish({ kind: 'task', data: task(ctx, TaskState.TASK_STATE_INPUT_REQUIRED, agentMessage(taskId, contextId, 'Payment is required.', { [KEYS.status]: 'payment-required', [KEYS.required]: required })) });
        bus.finished();
      };
      if (options.headerOnly) {
        bus.publish({ kind: 'task', data: task(ctx, TaskState.TASK_STATE_COMPLETED, agentMessage(taskId, contextId, 'sunny', {})) });
        return bus.finished();
      }
      if (typeof payload !== 'object' || payload === null) return ask();
      const charge = options.charge(payload as Record<string, unknown>);
      log.charges.push(charge);
      if (!charge.ok) {
        bus.publish({ kind: 'task', data: task(ctx, TaskState.TASK_STATE_FAILED, agentMessage(taskId, contextId, `Payment failed: ${charge.reason}`, { [KEYS.status]: 'payment-failed', [KEYS.error]: charge.code, [KEYS.receipts]: [{ success: false, errorReason: charge.reason, transaction: '', network: 'stripe' }] })) });
        return bus.finished();
      }
      if (after === 'ask-again') return ask();
      // Deferred (Nevermined's batches): verified, charged later; this agent says no more.
      const verified = after === 'deferred' ? { [KEYS.status]: 'payment-verified', [KEYS.settlement]: 'deferred' } : { [KEYS.status]: 'payment-verified' };
      bus.publish({ kind: 'task', data: task(ctx, TaskState.TASK_STATE_WORKING, agentMessage(taskId, contextId, 'Paid, working.', verified)) });
      if (after === 'never-complete' || after === 'deferred') return bus.finished();
      bus.publish({ kind: 'artifactUpdate', data: { taskId, contextId, artifact: { artifactId: 'forecast', name: 'forecast', description: '', parts: [{ content: { $case: 'text', value: 'sunny' }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [] }, append: false, lastChunk: true, metadata: undefined } });
      const done = { [KEYS.status]: 'payment-completed', [KEYS.receipts]: [charge.receipt] };
      bus.publish({ kind: 'statusUpdate', data: { taskId, contextId, status: { state: TaskState.TASK_STATE_COMPLETED, message: agentMessage(taskId, contextId, 'sunny', done), timestamp: new Date().toISOString() }, metadata: undefined } });
      bus.finished();
    },
    cancelTask: async () => {},
  };

  const app = express();
  let baseUrl = '';
  const card = (): AgentCard => ({
    name: 'paid-weather',
    description: 'Weather, paid per message',
    supportedInterfaces: [{ url: `${baseUrl}/a2a`, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: options.legacy ? '0.3' : '1.0' }],
    provider: undefined,
    version: '1.0.0',
    capabilities: { streaming: true, pushNotifications: false, extensions: options.headerOnly ? [] : [{ uri: 'https://github.com/google-agentic-commerce/a2a-x402/blob/main/spec/v0.2', description: 'x402', required: false, params: undefined }] },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
    signatures: [],
  }) as AgentCard;
  const handler = new DefaultRequestHandler(card(), new InMemoryTaskStore(), executor);
  app.use(express.json({ limit: '2mb' }));
  app.use((req, _res, next) => {
    if (req.method === 'POST' && typeof req.body?.method === 'string') log.methods.push(req.body.method);
    next();
  });
  if (options.headerOnly) {
    const { challenge, verify } = options.headerOnly;
    app.post('/a2a', (req, res, next) => {
      const token = req.headers['payment-signature'];
      const receipt = typeof token === 'string' ? verify(token) : undefined;
      if (!receipt) return void res.status(402).set('payment-required', challenge).json({ error: { code: 402, message: 'Missing payment-signature header.' } });
      res.set('payment-response', Buffer.from(JSON.stringify(receipt)).toString('base64'));
      next();
    });
  }
  const legacyCompat = { enabled: options.legacy ?? false };
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: { getAgentCard: async () => card() }, legacyCompat } as never));
  app.use('/a2a', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication, legacyCompat }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl,
    agentUrl: `${baseUrl}/a2a`,
    log,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An `@a2a-js/sdk` client for the agent (v0.3 compatible when the agent is), over the given fetch. */
export async function connectClient(baseUrl: string, fetchImpl: typeof fetch = fetch) {
  const legacyCompat = { enabled: true };
  const factory = new ClientFactory({ transports: [new JsonRpcTransportFactory({ fetchImpl, legacyCompat })], cardResolver: new DefaultAgentCardResolver({ fetchImpl: fetch, legacyCompat }) });
  return factory.createFromUrl(baseUrl);
}

/** A user message in the SDK's v1.0 shape. */
export function userMessage(text: string): Message {
  return { messageId: crypto.randomUUID(), contextId: '', taskId: '', role: Role.ROLE_USER, parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }], metadata: undefined, extensions: [], referenceTaskIds: [] };
}
