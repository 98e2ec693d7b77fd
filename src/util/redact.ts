import { urlParts } from './url-parts.js';
/** Replaces every occurrence of each secret in `text` with `[redacted]`. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** `exa_…1a2b`: enough to recognise a provisioned key, useless to spend it. */
export function redactKey(apiKey: string): string {
  if (apiKey === '') return '(dropped)';
  return apiKey.length <= 12 ? '…' : `${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`;
}

/** A URL as it may be shown: origin and path, never the query string or fragment (they carry secrets). */
export function publicUrl(url: string): string {
  try {
    const { origin, pathname } = urlParts(url);
    return origin + pathname;
  } catch {
    return '(invalid url)';
  }
}
