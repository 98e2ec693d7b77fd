import { base64Text, textToBase64 } from './text-bytes.js';

const BASE64_ANY = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Decodes standard base64 or base64url (padding optional). Returns undefined when it is neither. */
export function decodeBase64Text(value: string): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length === 0 || !BASE64_ANY.test(trimmed)) return undefined;
  return base64Text(trimmed);
}

export function encodeBase64Json(value: unknown): string {
  return textToBase64(JSON.stringify(value));
}
