// MPP ("The Payment HTTP Authentication Scheme"): the wire codec and the method plugin interface.
// Knows nothing of HTTP flow, policy or ledger (the engine pays challenges through these).
export { readMppChallenges, parseMppChallenges, isMppChallengeExpired, PAYMENT_SCHEME, type MppChallenge } from './challenge.js';
export { encodeCredential, type MppCredential } from './credential.js';
export { decodeMppReceipt, mppReceiptOutcome, type MppReceipt } from './receipt.js';
export { priceMppChallengeInCents, KNOWN_MPP_CURRENCIES, type MppCurrencyRates } from './price.js';
export { findMppPlugin, type MppMethodPlugin, type MppPayContext } from './plugin.js';
export { neverminedMppMethod, neverminedMppRequest, neverminedMppNetwork, NEVERMINED_MPP_METHOD, type NeverminedMppMethodOptions } from './nevermined-method.js';
export { mppxMethod, type MppxClientMethodLike } from './mppx-method.js';
export { challengeParamsSchema, challengeRequestSchema, mppReceiptSchema, neverminedMppRequestSchema, pricedRequestSchema, type NeverminedMppRequest } from './schemas.js';
export * from './limits.js';
