import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { payingFetchFor, sandbox } from '../helpers.js';

// A file of its own: the process has no OpenTelemetry SDK when the first paid call runs.
afterAll(() => {
  trace.disable();
  context.disable();
});

describe('OpenTelemetry registered after the first call', () => {
  it('paid calls before any SDK make no span (the API is not even loaded); an SDK registered later gets spans at once', async () => {
    const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb);
    expect((globalThis as Record<symbol, unknown>)[OTEL_GLOBAL]).toBeUndefined();
    expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);

    const spans = new InMemorySpanExporter();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    const { pay: later } = payingFetchFor(sb); // a fresh instance: its first call meets a 402
    expect((await later(`${sb.sellerUrl}/weather`)).status).toBe(200);
    expect(spans.getFinishedSpans().filter((s) => s.name === 'paying_fetch.call')).toHaveLength(1);
  });
});
