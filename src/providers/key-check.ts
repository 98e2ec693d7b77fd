/** The longest vendor key paying-fetch stores: real ones are tens of characters. */
export const MAX_KEY_LENGTH = 512;

/** Visible ASCII only: no spaces, no control characters (CR, LF, NUL), nothing a header refuses. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

/**
 * Whether a key a vendor sold can ride on a request header. A key that cannot would make every
 * later call throw (with the key's text in the transport's message), so it is never stored.
 */
export function isUsableKey(apiKey: string): boolean {
  return apiKey.length <= MAX_KEY_LENGTH && HEADER_SAFE.test(apiKey);
}
