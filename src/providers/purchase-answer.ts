import * as z from '../util/zod.js';
import type { PurchaseAnswer } from './recipe.js';

const keyField = z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(4096))));
const units = z.optional(z.int().check(z.nonnegative()));

const answerSchema = z.looseObject({
  status: z.optional(z.string().check(z.maxLength(64))),
  apiKey: keyField,
  api_key: keyField,
  key: keyField,
  expiresAt: z.optional(z.nullable(z.union([z.string().check(z.maxLength(64)), z.number()]))),
  units,
  credits: units,
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
