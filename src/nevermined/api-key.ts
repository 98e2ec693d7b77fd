import * as z from '../util/zod.js';
import { ConfigurationError } from '../errors/configuration-error.js';
import { decodeBase64Text } from '../util/base64.js';
import { safeJsonParse } from '../util/safe-json.js';
import { splitApiKey } from './backend-url.js';

const claimsSchema = z.looseObject({ sub: z.string().check(z.minLength(1), z.maxLength(256)) });

/** The account (principal) an NVM API key belongs to: the `sub` claim of its JWT. */
export function principalOfApiKey(apiKey: string): string {
  const { jwt } = splitApiKey(apiKey);
  const payload = jwt.split('.')[1];
  const json = payload === undefined ? undefined : decodeBase64Text(payload);
  const claims = claimsSchema.safeParse(json === undefined ? undefined : safeJsonParse(json));
  if (!claims.success) {
    throw new ConfigurationError('The NVM API key is not of the form <prefix>:<JWT> with a sub claim');
  }
  return claims.data.sub;
}
