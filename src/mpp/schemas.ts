import { z } from 'zod';

// MPP wire shapes ("The Payment HTTP Authentication Scheme", as mppx and Nevermined's SDK 1.11
// write it). Every string bounded; unknown fields tolerated.

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** The auth-params of one `Payment` challenge, after unquoting. */
export const challengeParamsSchema = z.looseObject({
  id: z.string().min(1).max(512),
  realm: z.string().max(512),
  /** Lower case, as the spec and mppx require. */
  method: z.string().regex(/^[a-z][a-z0-9:_-]{0,63}$/),
  intent: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:_.-]{0,63}$/),
  request: z.string().min(1).max(16 * 1024).regex(BASE64URL, 'not base64url'),
  expires: z.iso.datetime({ offset: true }).optional(),
  digest: z.string().max(512).optional(),
  opaque: z.string().max(16 * 1024).optional(),
  description: z.string().max(4096).optional(),
  /** A credential header other than Authorization (mppx's `header`). */
  header: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/).optional(),
});

/** The decoded `request` of a challenge: a JSON object whose shape belongs to the method. */
export const challengeRequestSchema = z.record(z.string().max(256), z.unknown());

/** `Payment-Receipt`: base64url JSON. `status` kept as sent ("success" is the only agreed positive). */
export const mppReceiptSchema = z.looseObject({
  method: z.string().max(64),
  reference: z.string().min(1).max(1024),
  status: z.string().max(64),
  timestamp: z.string().max(64),
  externalId: z.string().max(1024).nullish(),
  subscriptionId: z.string().max(1024).nullish(),
});

/** Nevermined's MPP method (`method="nevermined"`): credits against a plan. */
export const neverminedMppRequestSchema = z.looseObject({
  planId: z.string().regex(/^[\x21-\x7e]{1,256}$/),
  /** Decimal string (a number is accepted and read as one). */
  credits: z.union([z.string().regex(/^[0-9]{1,78}$/), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)]).transform(String),
  agentId: z.string().max(256).optional(),
});

/** A priced request (mppx `charge`: stripe, tempo, evm): `amount` in base units with its `decimals`. */
export const pricedRequestSchema = z.looseObject({
  amount: z.string().regex(/^[0-9]{1,78}$/),
  currency: z.string().min(1).max(128),
  decimals: z.number().int().min(0).max(36),
});

export type ChallengeParams = z.infer<typeof challengeParamsSchema>;
export type MppReceipt = z.infer<typeof mppReceiptSchema>;
export type NeverminedMppRequest = z.infer<typeof neverminedMppRequestSchema>;
