/**
 * Failures that happen before a request leaves (the connection or the TLS handshake never
 * completed): whatever it carried was not handed over. A reset, a timeout waiting for the answer
 * or a closed keep-alive socket are not among them: the request may have been read.
 */
const BEFORE_SENDING = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EAI_NONAME|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|CERT_.*|.*SELF_SIGNED.*|UNABLE_TO_VERIFY.*|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/** True when the error (or a cause in its chain) says the request never left this machine. */
export function neverSent(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && BEFORE_SENDING.test(code)) return true;
  }
  return false;
}
