import { z } from 'zod';
import type { PurchaseAnswer } from './recipe.js';

const answerSchema = z.looseObject({
  status: z.string().max(64).optional(),
  apiKey: z.string().min(1).max(4096).nullable().optional(),
  api_key: z.string().min(1).max(4096).nullable().optional(),
  key: z.string().min(1).max(4096).nullable().optional(),
  expiresAt: z.union([z.string().max(64), z.number()]).nullable().optional(),
  units: z.number().int().nonnegative().optional(),
  credits: z.number().int().nonnegative().optional(),
});

const NOTHING: PurchaseAnswer = { apiKey: undefined, status: undefined, expiresAt: undefined, units: undefined };

/**
 * The default reader: `apiKey` (or `api_key` / `key`), any `status`, optional `expiresAt` and
 * `units`/`credits`. An answer that is not such an object reads as one that says nothing.
 */
export function readPurchaseAnswer(json: unknown): PurchaseAnswer {
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) return { ...NOTHING };
  const a = parsed.data;
  const expires = typeof a.expiresAt === 'string' ? Date.parse(a.expiresAt) : (a.expiresAt ?? undefined);
  return {
    apiKey: a.apiKey ?? a.api_key ?? a.key ?? undefined,
    status: a.status,
    expiresAt: Number.isFinite(expires) ? (expires as number) : undefined,
    units: a.units ?? a.credits,
  };
}
