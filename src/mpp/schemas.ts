import * as z from '../util/zod.js';

// MPP wire shapes ("The Payment HTTP Authentication Scheme", as mppx and Nevermined's SDK 1.11
// write it). Every string bounded; unknown fields tolerated.

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const bounded = (max: number) => z.string().check(z.maxLength(max));
const nonEmpty = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const matching = (pattern: RegExp) => z.string().check(z.regex(pattern));

/** The auth-params of one `Payment` challenge, after unquoting. */
export const challengeParamsSchema = z.looseObject({
  id: nonEmpty(512),
  realm: bounded(512),
  /** Lower case, as the spec and mppx require. */
  method: matching(/^[a-z][a-z0-9:_-]{0,63}$/),
  intent: matching(/^[A-Za-z0-9][A-Za-z0-9:_.-]{0,63}$/),
  request: z.string().check(z.minLength(1), z.maxLength(16 * 1024), z.regex(BASE64URL, 'not base64url')),
  expires: z.optional(z.iso.datetime({ offset: true })),
  digest: z.optional(bounded(512)),
  opaque: z.optional(bounded(16 * 1024)),
  description: z.optional(bounded(4096)),
  /** A credential header other than Authorization (mppx's `header`). */
  header: z.optional(matching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/)),
});

/** The decoded `request` of a challenge: a JSON object whose shape belongs to the method. */
export const challengeRequestSchema = z.record(bounded(256), z.unknown());

/** `Payment-Receipt`: base64url JSON. `status` kept as sent ("success" is the only agreed positive). */
export const mppReceiptSchema = z.looseObject({
  method: bounded(64),
  reference: nonEmpty(1024),
  status: bounded(64),
  timestamp: bounded(64),
  externalId: z.nullish(bounded(1024)),
  subscriptionId: z.nullish(bounded(1024)),
});

/** Nevermined's MPP method (`method="nevermined"`): credits against a plan. */
export const neverminedMppRequestSchema = z.looseObject({
  planId: matching(/^[\x21-\x7e]{1,256}$/),
  /** Decimal string (a number is accepted and read as one). */
  credits: z.pipe(z.union([matching(/^[0-9]{1,78}$/), z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER))]), z.transform(String)),
  agentId: z.optional(bounded(256)),
});

/** A priced request (mppx `charge`: stripe, tempo, evm): `amount` in base units with its `decimals`. */
export const pricedRequestSchema = z.looseObject({
  amount: matching(/^[0-9]{1,78}$/),
  currency: nonEmpty(128),
  decimals: z.int().check(z.minimum(0), z.maximum(36)),
});

export type ChallengeParams = z.output<typeof challengeParamsSchema>;
export type MppReceipt = z.output<typeof mppReceiptSchema>;
export type NeverminedMppRequest = z.output<typeof neverminedMppRequestSchema>;
