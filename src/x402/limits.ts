/** Largest `payment-required` / `payment-response` header accepted. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Largest 402 body read when looking for an x402 v1 (or body-carried v2) challenge. */
export const MAX_CHALLENGE_BODY_BYTES = 256 * 1024;
