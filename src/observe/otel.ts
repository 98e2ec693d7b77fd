import type { Attributes, Span } from '@opentelemetry/api';
import type { Emitter, PayingFetchEvents } from '../fetch/events.js';

// OpenTelemetry, when the application has `@opentelemetry/api` (an optional peer): one span per
// logical call that paid (or tried to), child spans for mint, purchase and replay, attributes in
// the `paying_fetch.*` namespace, and two counters. Without an SDK registered, the API is a
// no-op and so is this. Built from the engine's events: no secret ever reaches a span.

type OtelApi = typeof import('@opentelemetry/api');

let api: OtelApi | null | undefined; // undefined: not tried yet; null: not installed
let loading: Promise<void> | undefined;

/**
 * Where `@opentelemetry/api` 1.x keeps what an SDK registered (a tracer or meter provider, a context
 * manager). Until something is there, every span and counter would be a no-op: the API is not even
 * loaded (loading it cost a first call ~40 ms on Node 20), and this is looked at again on each call.
 */
const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** Loads the API once an SDK registered; a promise only on that first call (then answers at once). */
export function loadOtel(): Promise<void> | undefined {
  if (api !== undefined || (globalThis as Record<symbol, unknown>)[OTEL_GLOBAL] === undefined) return undefined;
  return (loading ??= import('@opentelemetry/api').then(
    (m) => void (api = (m as unknown as { trace?: unknown }).trace ? m : (m as unknown as { default: OtelApi }).default),
    () => void (api = null),
  ));
}

/** Whether the API is there (after loadOtel settled). */
export function otelLoaded(): boolean {
  return api !== undefined && api !== null;
}

/** What a call's span learned from the events seen in it. */
interface CallFacts {
  attributes: Attributes;
  /** Any payment step happened: only such calls are exported. */
  involved: boolean;
}

const facts = new WeakMap<Span, CallFacts>();
const wired = new WeakSet<Emitter>();

let tracer: ReturnType<OtelApi['trace']['getTracer']> | undefined;

/** Runs one logical call inside a `paying_fetch.call` span (ended only if the call paid or tried to). */
export function traced<T>(events: Emitter, labels: { agent?: string | undefined }, run: () => Promise<T>): Promise<T> {
  const otel = api;
  if (!otel) return run();
  // No SDK recording a moment ago: skip even the no-op span for a second (the hot path).
  if (Date.now() < quietUntil) return run();
  const span = (tracer ??= otel.trace.getTracer('paying-fetch')).startSpan('paying_fetch.call', { kind: otel.SpanKind.CLIENT });
  if (!span.isRecording()) {
    quietUntil = Date.now() + 1_000;
    return run();
  }
  return inSpan(otel, span, events, labels, run);
}

/** Until when spans are not even started: the last one did not record (no SDK, or sampled out). */
let quietUntil = 0;

async function inSpan<T>(otel: OtelApi, span: Span, events: Emitter, labels: { agent?: string | undefined }, run: () => Promise<T>): Promise<T> {
  wire(otel, events);
  const call: CallFacts = { attributes: labels.agent ? { 'paying_fetch.agent': labels.agent } : {}, involved: false };
  facts.set(span, call);
  try {
    const result = await otel.context.with(otel.trace.setSpan(otel.context.active(), span), run);
    finish(otel, span, call, call.attributes['paying_fetch.outcome'] === undefined ? 'paid' : undefined);
    return result;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    span.setStatus({ code: otel.SpanStatusCode.ERROR, message: typeof code === 'string' ? code : (error as Error).name });
    finish(otel, span, call, typeof code === 'string' ? code.toLowerCase() : 'error');
    throw error;
  }
}

function finish(otel: OtelApi, span: Span, call: CallFacts, outcome: string | undefined): void {
  if (!call.involved) return; // a call that never met a 402 is not a paid call: not exported
  if (outcome) call.attributes['paying_fetch.outcome'] = outcome;
  span.setAttributes(call.attributes);
  span.end();
  meters(otel).calls.add(1, { 'paying_fetch.outcome': String(call.attributes['paying_fetch.outcome']) });
}

let counters: { calls: ReturnType<ReturnType<OtelApi['metrics']['getMeter']>['createCounter']>; cents: ReturnType<ReturnType<OtelApi['metrics']['getMeter']>['createCounter']> } | undefined;
function meters(otel: OtelApi) {
  if (!counters) {
    const meter = otel.metrics.getMeter('paying-fetch');
    counters = {
      calls: meter.createCounter('paying_fetch.calls', { description: 'Logical calls that paid or tried to, by outcome' }),
      cents: meter.createCounter('paying_fetch.cents_charged', { description: 'Cents charged, as receipts say', unit: '{cent}' }),
    };
  }
  return counters;
}

/** Subscribes the span builder to the engine's events (passively: free while no span records). */
function wire(otel: OtelApi, events: Emitter): void {
  if (wired.has(events)) return;
  wired.add(events);
  const current = () => {
    const span = otel.trace.getActiveSpan();
    const call = span && facts.get(span);
    return span && call ? { span, call } : undefined;
  };
  const active = () => current() !== undefined;
  const on = <E extends keyof PayingFetchEvents>(name: E, handle: (event: PayingFetchEvents[E], span: Span, call: CallFacts) => void) =>
    events.tap(name, (event) => {
      const at = current();
      if (!at) return;
      at.call.involved = true;
      handle(event, at.span, at.call);
    }, active);
  const child = (name: string, durationMs: number | undefined, attributes: Attributes) => {
    const now = Date.now();
    const span = otel.trace.getTracer('paying-fetch').startSpan(name, { startTime: now - (durationMs ?? 0), attributes });
    span.end(now);
  };

  on('challenge', (e, _s, call) => Object.assign(call.attributes, e.chosen ? { 'paying_fetch.scheme': e.chosen.scheme, 'paying_fetch.network': e.chosen.network, ...(e.chosen.planId ? { 'paying_fetch.plan_id': e.chosen.planId } : {}) } : {}));
  on('mint', (e, _s, call) => {
    Object.assign(call.attributes, { 'paying_fetch.plan_id': e.planId, 'paying_fetch.delegation_id': e.delegationId, 'paying_fetch.token_hash': e.tokenHash });
    child('paying_fetch.mint', e.durationMs, { 'paying_fetch.plan_id': e.planId, 'paying_fetch.delegation_id': e.delegationId, 'paying_fetch.mint_reason': e.reason });
  });
  on('sign', (e, _s, call) => Object.assign(call.attributes, { 'paying_fetch.scheme': e.scheme, 'paying_fetch.network': e.network, 'paying_fetch.cents_reserved': e.priceCents, 'paying_fetch.token_hash': e.tokenHash }));
  on('payment', (e, _s, call) => {
    Object.assign(call.attributes, { 'paying_fetch.scheme': e.scheme, 'paying_fetch.token_hash': e.tokenHash, ...(e.planId ? { 'paying_fetch.plan_id': e.planId } : {}) });
    if (!e.preemptive) child('paying_fetch.replay', e.durationMs, { 'paying_fetch.scheme': e.scheme, 'paying_fetch.token_hash': e.tokenHash });
  });
  on('purchase', (e, _s, call) => {
    Object.assign(call.attributes, { 'paying_fetch.provider': e.provider, ...(e.amountCents !== undefined ? { 'paying_fetch.cents_charged': e.amountCents } : {}) });
    child('paying_fetch.purchase', undefined, { 'paying_fetch.provider': e.provider, 'paying_fetch.plan_id': e.planId, 'paying_fetch.token_hash': e.tokenHash });
    if (e.amountCents) meters(otel).cents.add(e.amountCents, { 'paying_fetch.provider': e.provider });
  });
  on('receipt', (e, _s, call) => {
    Object.assign(call.attributes, { ...(e.centsCharged !== undefined ? { 'paying_fetch.cents_charged': e.centsCharged } : {}), ...(e.outcome ? { 'paying_fetch.outcome': e.outcome } : {}) });
    if (e.centsCharged) meters(otel).cents.add(e.centsCharged, { 'paying_fetch.scheme': e.scheme ?? '' });
  });
  on('blocked', (e, _s, call) => Object.assign(call.attributes, { 'paying_fetch.outcome': 'blocked', 'paying_fetch.blocked_reason': e.reason }));
}
