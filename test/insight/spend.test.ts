import { describe, expect, it } from 'vitest';
import { spendReport } from '../../src/insight/spend.js';
import type { ReceiptRecord } from '../../src/store/types.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);
let n = 0;
const receipt = (over: Partial<ReceiptRecord>): ReceiptRecord => ({ id: `r${(n += 1)}`, at: T0, method: 'GET', origin: 'https://a.io', path: '/x', status: 200, outcome: 'paid', amountCents: 10, ...over });

describe('spend analytics', () => {
  it('groups by agent, provider, origin, plan, day and hour', () => {
    const rs = [
      receipt({ agent: 'a', provider: 'exa', amountCents: 700 }),
      receipt({ agent: 'a', origin: 'https://b.io', planId: 'p1', amountCents: 5 }),
      receipt({ agent: 'b', at: T0 + DAY + 3_600_000, planId: 'p1', amountCents: undefined }),
    ];
    expect(spendReport(rs, { groupBy: 'agent' }).rows).toEqual([
      { key: 'a', calls: 2, chargedCents: 705, unpricedCalls: 0, millicentsPerCall: 352_500 },
      { key: 'b', calls: 1, chargedCents: 0, unpricedCalls: 1, millicentsPerCall: 0 },
    ]);
    expect(spendReport(rs, { groupBy: 'provider' }).rows.map((r) => r.key)).toEqual(['exa', 'https://b.io', 'https://a.io']);
    expect(spendReport(rs, { groupBy: 'plan' }).rows.map((r) => [r.key, r.calls])).toEqual([['-', 1], ['p1', 2]]);
    expect(spendReport(rs, { groupBy: 'day' }).rows.map((r) => r.key)).toEqual(['2026-11-01', '2026-11-02']);
    expect(spendReport(rs, { groupBy: 'hour' }).rows.map((r) => r.key)).toEqual(['2026-11-01T00:00', '2026-11-02T01:00']);
    expect(spendReport(rs, { groupBy: 'agent', since: T0 + DAY }).totalCalls).toBe(1);
  });

  it('flags an agent far above or below its peers', () => {
    const rs = [
      ...Array.from({ length: 3 }, () => receipt({ agent: 'steady-1' })),
      ...Array.from({ length: 3 }, () => receipt({ agent: 'steady-2' })),
      ...Array.from({ length: 30 }, () => receipt({ agent: 'runaway' })),
      receipt({ agent: 'idle', amountCents: 1 }),
    ];
    const { outliers } = spendReport(rs, { groupBy: 'agent' });
    expect(outliers.map((o) => [o.key, o.kind])).toEqual([['runaway', 'high'], ['idle', 'low']]);
  });

  it('flags a provider whose cost per call jumped', () => {
    const rs = [0, 1, 2].flatMap((d) => Array.from({ length: 4 }, () => receipt({ provider: 'exa', at: T0 + d * DAY, amountCents: 10 })));
    rs.push(receipt({ provider: 'exa', at: T0 + 3 * DAY, amountCents: 45 }), receipt({ provider: 'other', at: T0, amountCents: 10 }));
    expect(spendReport(rs, { groupBy: 'provider' }).outliers).toEqual([expect.objectContaining({ key: 'exa', kind: 'cost-jump' })]);
    expect(spendReport(rs.slice(0, 12), { groupBy: 'provider' }).outliers).toEqual([]);
  });
});
