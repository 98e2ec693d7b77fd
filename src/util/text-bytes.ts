// Bytes, text and base64 without Node's Buffer, so the portable entry runs on any runtime.
// Where Buffer exists (Node, Bun) it is used: same results as before, and faster.

type BufferLike = { from(value: string | Uint8Array, encoding?: string): Uint8Array & { toString(encoding?: string): string } };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** UTF-8 text of bytes; invalid sequences become U+FFFD, as Buffer and TextDecoder both do. */
export function utf8Text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Bytes of base64 or base64url text (padding optional; other characters skipped, as Buffer does). */
export function base64Bytes(text: string): Uint8Array {
  return NodeBuffer ? NodeBuffer.from(text, 'base64') : portableBase64Bytes(text);
}

/** base64Bytes without Buffer: what runs in browsers, Workers, Deno. */
export function portableBase64Bytes(text: string): Uint8Array {
  const end = text.indexOf('=');
  let clean = (end === -1 ? text : text.slice(0, end)).replace(/[^A-Za-z0-9+/_-]/g, '').replaceAll('-', '+').replaceAll('_', '/');
  if (clean.length % 4 === 1) clean = clean.slice(0, -1); // a lone trailing character carries no byte
  const binary = atob(clean + '='.repeat((4 - (clean.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** UTF-8 text of base64 or base64url text. */
export function base64Text(text: string): string {
  return utf8Text(base64Bytes(text));
}

/** Standard base64 (padded) of bytes, or base64url (unpadded) with `url`. */
export function bytesToBase64(bytes: Uint8Array, url = false): string {
  return NodeBuffer ? NodeBuffer.from(bytes).toString(url ? 'base64url' : 'base64') : portableBytesToBase64(bytes, url);
}

/** bytesToBase64 without Buffer. */
export function portableBytesToBase64(bytes: Uint8Array, url = false): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const b64 = btoa(binary);
  return url ? b64.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '') : b64;
}

/** base64 (or base64url with `url`) of a string's UTF-8 bytes. */
export function textToBase64(text: string, url = false): string {
  return bytesToBase64(encoder.encode(text), url);
}
