/** Largest `WWW-Authenticate` value read (all challenges together). */
export const MAX_MPP_HEADER_BYTES = 64 * 1024;
/** At most this many challenges (of any scheme) in one `WWW-Authenticate`. */
export const MAX_CHALLENGES = 16;
/** At most this many auth-params in one challenge. */
export const MAX_PARAMS_PER_CHALLENGE = 32;
/** Largest auth-param value; mppx refuses a `request` above 16 KiB too. */
export const MAX_PARAM_VALUE_BYTES = 16 * 1024;
/** Largest `Payment-Receipt` value read. */
export const MAX_MPP_RECEIPT_BYTES = 8 * 1024;
/** Largest credential sent (`Authorization: Payment <base64url JSON>`). */
export const MAX_MPP_CREDENTIAL_BYTES = 64 * 1024;
