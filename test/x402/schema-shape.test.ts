import { extend, string } from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { x402 } from '../../src/index.js';

describe('the exported x402 schemas (zod/mini)', () => {
  it('carry their shape, so callers can build on them with z.extend', () => {
    expect(Object.keys(x402.paymentRequirementSchema.shape)).toEqual(expect.arrayContaining(['scheme', 'network']));
    const mine = extend(x402.paymentRequirementSchema, { note: string() });
    expect(mine.safeParse({ scheme: 'exact', network: 'eip155:8453', note: 'x' }).success).toBe(true);
    expect(mine.safeParse({ scheme: 'exact', network: 'eip155:8453' }).success).toBe(false);
  });
});
