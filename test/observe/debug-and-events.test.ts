import { afterEach, describe, expect, it, vi } from 'vitest';
import { DelegationExhaustedError } from '../../src/index.js';
import { cardPayingFetch, exaPayingFetch, expectNoSecrets, payingFetchFor, record, sandbox, tokensSeen } from '../helpers.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const ALL = ['mint', 'sign', 'payment', 'receipt', 'blocked', 'purchase', 'budget-warning', 'budget-reserved-warning', 'challenge', 'retry', 'delegation', 'reservation', 'rate-limit', 'failed'] as const;
function everything(pay: Parameters<typeof record>[0]) {
  const events: Array<{ type: string; event: Record<string, unknown> }> = [];
  for (const type of ALL) pay.on(type, (event) => events.push({ type, event: event as unknown as Record<string, unknown> }));
  return events;
}

describe('debug mode', () => {
  it('NODE_DEBUG=paying-fetch prints one line per step to stderr, never a secret', async () => {
    vi.stubEnv('NODE_DEBUG', 'http,paying-fetch');
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)));
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 503, code: 'BCK.X402.0051' });
    const { pay } = payingFetchFor(sb);
    await pay(`${sb.sellerUrl}/weather`);
    const steps = lines.map((l) => l.split(' ')[2]);
    expect(steps).toEqual(expect.arrayContaining(['challenge', 'reservation', 'retry', 'mint', 'payment', 'receipt']));
    expect(lines.every((l) => /^PAYING-FETCH \d+: /.test(l))).toBe(true);
    expect(lines.find((l) => l.includes(" retry "))).toMatch(/what=backend attempt=1 retriesLeft=3 delayMs=5 reason=.*action=mint/);
    expectNoSecrets(lines, [...tokensSeen(sb), sb.apiKey]);
  });

  it('a logger option gets the same lines as debug(object, message)', async () => {
    const sb = await sandbox();
    const calls: unknown[][] = [];
    const { pay } = payingFetchFor(sb, { logger: { debug: (...args: unknown[]) => void calls.push(args) } });
    await pay(`${sb.sellerUrl}/weather`);
    expect(calls.map(([object]) => (object as { event: string }).event)).toEqual(expect.arrayContaining(['challenge', 'mint', 'receipt']));
    expect(calls.every(([, message]) => typeof message === 'string' && message.startsWith('paying-fetch '))).toBe(true);
    expectNoSecrets(calls, [...tokensSeen(sb), sb.apiKey]);
  });

  it('prints nothing without NODE_DEBUG or a logger', async () => {
    vi.stubEnv('NODE_DEBUG', '');
    vi.stubEnv('DEBUG', '');
    const spy = vi.spyOn(console, 'error');
    const sb = await sandbox();
    await payingFetchFor(sb).pay(`${sb.sellerUrl}/weather`);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('events carry the facts a user alerts on', () => {
  it('receipt: cents charged, delegation, agent and tags, receipt id, outcome, duration', async () => {
    const sb = await sandbox();
    const { pay } = payingFetchFor(sb, { agent: 'a1', tags: { team: 'x' } });
    const events = everything(pay);
    await pay(`${sb.sellerUrl}/weather`);
    const receipt = events.find((e) => e.type === 'receipt')!.event;
    const [stored] = await pay.receipts();
    expect(receipt).toMatchObject({ centsCharged: 100, delegationId: sb.delegationId, agent: 'a1', tags: { team: 'x' }, receiptId: stored!.id, outcome: 'paid', durationMs: expect.any(Number) });
  });

  it('delegation lifecycle, reservations, backend retries', async () => {
    const sb = await sandbox();
    const { pay } = cardPayingFetch(sb, { budget: { perDayCents: 2000 }, delegation: { spendingLimitCents: 500 } });
    const events = everything(pay);
    sb.faults.inject('backend', { kind: 'status', status: 503, code: 'BCK.X402.0051' });
    await pay(`${sb.sellerUrl}/weather`);
    expect(events.filter((e) => e.type === 'delegation').map((e) => e.event)).toEqual([expect.objectContaining({ action: 'created', reservedCents: 500 })]);
    expect(events.filter((e) => e.type === 'reservation').map((e) => e.event.action)).toContain('reserve');
    expect(events.filter((e) => e.type === 'retry').map((e) => e.event)).toEqual([expect.objectContaining({ what: 'backend', attempt: 1 })]);
  });

  it('a rate-limit wait is an event; a thrown DelegationExhaustedError is a failed event', async () => {
    const sb = await sandbox();
    const { pay, search } = exaPayingFetch(sb);
    const events = everything(pay);
    await search();
    sb.faults.inject('search', { kind: 'status', status: 429, headers: { 'retry-after': '0' } });
    await search();
    expect(events.filter((e) => e.type === 'rate-limit').map((e) => e.event)).toEqual([expect.objectContaining({ provider: 'exa', status: 429, attempt: 1 })]);

    const drained = await sandbox();
    drained.world.delegations.get(drained.delegationId)!.amountSpentCents = drained.world.delegations.get(drained.delegationId)!.spendingLimitCents;
    const other = payingFetchFor(drained);
    const failures = everything(other.pay);
    const error = await other.pay(`${drained.sellerUrl}/weather`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelegationExhaustedError);
    expect(failures.filter((e) => e.type === 'failed').map((e) => e.event)).toEqual([expect.objectContaining({ code: 'DELEGATION_EXHAUSTED', kind: 'payment-failure' })]);
  });
});
