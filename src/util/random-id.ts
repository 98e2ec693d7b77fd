/** 24 random bytes as base64url: an id nobody can guess (payment-identifier, receipt ids). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
