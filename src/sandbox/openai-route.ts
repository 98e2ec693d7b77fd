import { z } from 'zod';
import type { SellerRequest, SellerRoute } from './seller-server.js';

// A paid LLM API of the OpenAI chat-completions shape behind the sandbox's Nevermined 402, so the
// SDKs agents use (openai, ai + @ai-sdk/openai, LangChain) can be pointed at the sandbox as is.

/** Path of the route under the seller: use `${sandbox.sellerUrl}/v1` as the SDK's baseURL. */
export const OPENAI_CHAT_PATH = '/v1/chat/completions';

const chatRequest = z.object({
  model: z.string().max(200),
  messages: z.array(z.object({ role: z.string().max(50), content: z.unknown() })).max(1_000),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
});

/** The text of the last user message (string or content parts), bounded. */
function lastUserText(messages: Array<{ role: string; content: unknown }>): string {
  const content = [...messages].reverse().find((m) => m.role === 'user')?.content;
  if (typeof content === 'string') return content.slice(0, 1_000);
  if (Array.isArray(content)) {
    return content.map((p) => (typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('').slice(0, 1_000);
  }
  return '';
}

/** The sandbox model's answer: it repeats the question, split into a few words for streaming. */
export function sandboxAnswer(question: string): string[] {
  return ['Paid', ' answer', ' to:', ` ${question}`];
}

function completion(model: string, parts: string[], created: number) {
  const text = parts.join('');
  return {
    id: 'chatcmpl-sandbox',
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: parts.length, total_tokens: 5 + parts.length },
  };
}

/** The answer as server-sent events: a role chunk, one chunk per part, a stop chunk, usage, [DONE]. */
function eventStream(model: string, parts: string[], created: number, usage: boolean): string {
  const chunk = (delta: object, finish: string | null) => ({ id: 'chatcmpl-sandbox', object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const events: object[] = [chunk({ role: 'assistant', content: '' }, null), ...parts.map((p) => chunk({ content: p }, null)), chunk({}, 'stop')];
  if (usage) events.push({ id: 'chatcmpl-sandbox', object: 'chat.completion.chunk', created, model, choices: [], usage: { prompt_tokens: 5, completion_tokens: parts.length, total_tokens: 5 + parts.length } });
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + 'data: [DONE]\n\n';
}

/** Chat-completion chunks as server-sent events (Exa's streamed /answer speaks the same shape). */
export function chatEventStream(model: string, parts: string[]): string {
  return eventStream(model, parts, Math.floor(Date.now() / 1000), false);
}

/** Whether a JSON request body asks for `stream: true` (unparsable: no). */
export function wantsStream(body: Buffer): boolean {
  try {
    return (JSON.parse(body.toString('utf8')) as { stream?: unknown } | null)?.stream === true;
  } catch {
    return false;
  }
}

function answer(request: SellerRequest): { status?: number; body: string; contentType?: string } {
  let json: unknown;
  try {
    json = JSON.parse(request.body.toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = chatRequest.safeParse(json);
  if (!parsed.success) {
    return { status: 400, body: JSON.stringify({ error: { message: 'invalid chat request', type: 'invalid_request_error', param: null, code: null } }), contentType: 'application/json' };
  }
  const { model, messages, stream, stream_options } = parsed.data;
  const parts = sandboxAnswer(lastUserText(messages));
  const created = Math.floor(Date.now() / 1000);
  if (stream) return { body: eventStream(model, parts, created, stream_options?.include_usage === true), contentType: 'text/event-stream' };
  return { body: JSON.stringify(completion(model, parts, created)), contentType: 'application/json' };
}

/** A seller route answering chat completions (plain or `stream: true`) once paid with `planId`. */
export function openaiChatRoute(planId: string): SellerRoute {
  return { planId, respond: answer };
}
