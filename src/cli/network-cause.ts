/** Why a request never got an answer, from undici's `fetch failed` and its `cause` chain. */
export interface NetworkCause {
  /** The system or undici code: ECONNREFUSED, ENOTFOUND, EAI_AGAIN, ECONNRESET, CERT_HAS_EXPIRED, ... */
  code: string;
  /** What it means, for people. */
  meaning: string;
  /** Host or address:port when the error names it. */
  target: string | undefined;
}

const MEANINGS: Array<[RegExp, string]> = [
  [/^ECONNREFUSED$/, 'connection refused: nothing listens there'],
  [/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME)$/, 'DNS: the host name does not resolve'],
  [/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/, 'the connection was closed by the other side'],
  [/^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/, 'timed out'],
  [/^(EHOSTUNREACH|ENETUNREACH)$/, 'the host or network is unreachable'],
  [/CERT|SSL|TLS|ERR_TLS|SELF_SIGNED|UNABLE_TO_VERIFY|^EPROTO$/, 'TLS: the secure connection failed (certificate or protocol)'],
];

/** The network cause behind an error, or undefined when it is not a network failure. */
export function networkCause(error: unknown): NetworkCause | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const { code, hostname, address, port } = e as { code?: unknown; hostname?: unknown; address?: unknown; port?: unknown };
    if (typeof code !== 'string') continue;
    const meaning = MEANINGS.find(([pattern]) => pattern.test(code))?.[1];
    if (!meaning) continue;
    const target = typeof hostname === 'string' ? hostname : typeof address === 'string' ? `${address}${typeof port === 'number' ? `:${port}` : ''}` : undefined;
    return { code, meaning, target };
  }
  return undefined;
}
