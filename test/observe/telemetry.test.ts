import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { Credential, Method } from 'mppx';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createPayingFetch, MemoryStore, mppxMethod, type ReceiptEvent } from '../../src/index.js';
import { startMppSeller, startX402Seller, X402_SANDBOX_NETWORK } from '../../src/sandbox/index.js';
import { testChargeMethod } from '../interop/mppx-seller.js';
import { failingStore } from '../store/failing-store.js';
import { expectNoSecrets, payingFetchFor, sandbox, tokensSeen } from '../helpers.js';
import { hostileServer } from '../hostile/kit.js';

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
});
afterAll(() => {
  trace.disable();
  metrics.disable();
  context.disable();
});

describe('OpenTelemetry', () => {
  it('one span per paid call, with mint and replay children and paying_fetch.* facts; free calls make none', async () => {
    spans.reset();
    const sb = await sandbox();
    const free = await hostileServer((_req, res) => res.end('free'));
    const { pay } = payingFetchFor(sb, { agent: 'researcher' });
    for (let i = 0; i < 5; i += 1) expect((await pay(`${sb.sellerUrl}/weather`)).status).toBe(200);
    expect((await pay(`${free.url}/free`)).status).toBe(200); // another origin, no 402: not a paid call

    const finished = spans.getFinishedSpans();
    const calls = finished.filter((s) => s.name === 'paying_fetch.call');
    expect(calls).toHaveLength(5);
    const first = calls[0]!;
    const children = finished.filter((s) => s.parentSpanContext?.spanId === first.spanContext().spanId).map((s) => s.name).sort();
    expect(children).toEqual(['paying_fetch.mint', 'paying_fetch.replay']);
    expect(first.attributes).toMatchObject({
      'paying_fetch.scheme': 'nvm:card-delegation',
      'paying_fetch.plan_id': expect.any(String),
      'paying_fetch.token_hash': expect.any(String),
      'paying_fetch.outcome': 'paid',
      'paying_fetch.agent': 'researcher',
      'paying_fetch.cents_charged': 100,
    });
    // Cached-token calls: no mint, no replay; still one span each.
    for (const call of calls.slice(1)) expect(finished.some((s) => s.parentSpanContext?.spanId === call.spanContext().spanId)).toBe(false);
    expectNoSecrets([finished.map((s) => ({ name: s.name, attributes: s.attributes }))], [...tokensSeen(sb), sb.apiKey]);

    await reader.forceFlush();
    const points = metricExporter.getMetrics().flatMap((m) => m.scopeMetrics).flatMap((s) => s.metrics);
    const cents = points.find((m) => m.descriptor.name === 'paying_fetch.cents_charged');
    expect(cents?.dataPoints.reduce((sum, p) => sum + Number(p.value), 0)).toBe(100);
    const callsMetric = points.find((m) => m.descriptor.name === 'paying_fetch.calls');
    expect(callsMetric?.dataPoints.reduce((sum, p) => sum + Number(p.value), 0)).toBe(5);
  });

  it('counts what an MPP payment cost, as it counts a card charge (span, cents metric, receipt event)', async () => {
    spans.reset();
    const centsSoFar = async () => {
      await reader.forceFlush();
      const points = metricExporter.getMetrics().flatMap((m) => m.scopeMetrics).flatMap((x) => x.metrics);
      // (Cumulative: the latest export holds the totals.)
      return points.filter((m) => m.descriptor.name === 'paying_fetch.cents_charged').at(-1)?.dataPoints.reduce((sum, p) => sum + Number(p.value), 0) ?? 0;
    };
    const before = await centsSoFar();
    const client = Method.toClient(testChargeMethod, { createCredential: async ({ challenge }) => Credential.serialize({ challenge, payload: { token: 'tok' } }) });
    const seller = await startMppSeller();
    try {
      const pay = createPayingFetch({ mpp: [mppxMethod(client)], agent: 'buyer' });
      const receipts: ReceiptEvent[] = [];
      pay.on('receipt', (e) => receipts.push(e));
      expect((await pay(`${seller.url}/report`)).status).toBe(200);
      const [call] = spans.getFinishedSpans().filter((x) => x.name === 'paying_fetch.call');
      expect(call?.attributes).toMatchObject({ 'paying_fetch.cents_charged': 150, 'paying_fetch.outcome': 'paid', 'paying_fetch.agent': 'buyer' });
      expect(await centsSoFar()).toBe(before + 150);
      const [stored] = await pay.receipts();
      expect(receipts).toEqual([expect.objectContaining({ receiptId: stored!.id, outcome: 'paid', centsCharged: 150, scheme: stored!.scheme, agent: 'buyer', durationMs: expect.any(Number) })]);
    } finally {
      await seller.close();
    }
  });

  it('counts a priced x402 payment while the store cannot record it (the money went out all the same)', async () => {
    const seller = await startX402Seller();
    try {
      const store = failingStore(new MemoryStore());
      const pay = createPayingFetch({
        schemes: [{ network: X402_SANDBOX_NETWORK, client: new ExactEvmScheme(privateKeyToAccount(generatePrivateKey())) }],
        store,
        // The disk fills up once the payment is on its way: its commit and receipt wait in the backlog.
        fetch: (input, init) => {
          if (new Headers(init?.headers).has('payment-signature')) store.failWrites(true);
          return fetch(input, init);
        },
      });
      const receipts: ReceiptEvent[] = [];
      pay.on('receipt', (e) => receipts.push(e));
      expect((await pay(`${seller.url}/weather`)).status).toBe(200);
      expect(seller.log.settled).toHaveLength(1);
      expect(store.refused.appendReceipt ?? store.refused.settle).toBeGreaterThan(0);
      expect(receipts).toEqual([expect.objectContaining({ receiptId: undefined, centsCharged: 1 })]);
    } finally {
      await seller.close();
    }
  });

  it('a refused call ends its span with the error code', async () => {
    spans.reset();
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { policy: { deny: { origins: [sb.sellerUrl] } } });
    await pay(`${sb.sellerUrl}/weather`).catch(() => undefined);
    const [call] = spans.getFinishedSpans().filter((s) => s.name === 'paying_fetch.call');
    expect(call?.attributes['paying_fetch.outcome']).toBe('policy_denied');
    expect(call?.status.code).toBe(2);
  });
});

describe('node:diagnostics_channel', () => {
  it('publishes each event as paying-fetch:<event>', async () => {
    const seen: unknown[] = [];
    const listener = (message: unknown) => seen.push(message);
    subscribe('paying-fetch:receipt', listener);
    try {
      const sb = await sandbox();
      const { pay } = payingFetchFor(sb);
      await pay(`${sb.sellerUrl}/weather`);
      expect(seen).toEqual([expect.objectContaining({ status: 200, outcome: 'paid', centsCharged: 100 })]);
    } finally {
      unsubscribe('paying-fetch:receipt', listener);
    }
  });
});
