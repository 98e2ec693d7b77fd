const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Decodes standard base64 or base64url (padding optional). Returns undefined when it is neither. */
export function decodeBase64Text(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length === 0 || !BASE64_ANY.test(trimmed)) return undefined;
  return Buffer.from(trimmed, 'base64').toString('utf8');
}

export function encodeBase64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}
