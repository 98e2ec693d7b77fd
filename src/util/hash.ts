import { sha256Hex } from './sha256.js';

/** A short, stable fingerprint of a secret: safe to log and store, useless to spend. */
export function fingerprint(secret: string): string {
  return 'sha256:' + sha256Hex(secret).slice(0, 32);
}
