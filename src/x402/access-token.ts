import { decodeBase64Text } from '../util/base64.js';
import { safeJsonParse } from '../util/safe-json.js';
import { accessTokenSchema } from './schemas.js';

/**
 * True when a minted token is single use (Nevermined v3: `payload.authorization.nonce`).
 * An opaque token that cannot be decoded is treated as reusable (v2, the default).
 */
export function isSingleUseToken(accessToken: string): boolean {
  if (accessToken.length > 64 * 1024) return true;
  const json = decodeBase64Text(accessToken);
  if (json === undefined) return false;
  const parsed = accessTokenSchema.safeParse(safeJsonParse(json));
  return parsed.success && parsed.data.payload?.authorization?.nonce !== undefined;
}
