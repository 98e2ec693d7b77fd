import { createHash } from 'node:crypto';

/** A short, stable fingerprint of a secret: safe to log and store, useless to spend. */
export function fingerprint(secret: string): string {
  return 'sha256:' + createHash('sha256').update(secret).digest('hex').slice(0, 32);
}
