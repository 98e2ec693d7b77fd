// paying-fetch/advanced: the parts below the client, for tools and tests that build on them. The
// main entry ('paying-fetch') is what an agent needs; nothing here is required to pay.
import './util/env-proxy.js';

export { NeverminedRestClient, NeverminedSdkAdapter, type NeverminedClient, type MintRequest, type DelegationTerms } from './nevermined/index.js';
export { KNOWN_ASSETS, priceInCents, type AssetInfo } from './x402/assets.js';
export { spendReport, renderHtmlReport } from './insight/index.js';
export { withStoreErrors } from './store/with-store-errors.js';
// The MPP wire codec, for paying a challenge by hand (examples/mpp-codec.ts); payingFetch pays MPP itself.
export { readMppChallenges, encodeCredential, decodeMppReceipt, priceMppChallengeInCents, findMppPlugin, neverminedMppNetwork, type MppChallenge, type MppCredential, type MppReceipt } from './mpp/index.js';
