import type { BlockedEvent } from '../fetch/events.js';
import { exa } from '../providers/exa.js';

/** Origins of vendors the command knows a recipe for, by recipe name. */
const KNOWN_VENDORS = [{ name: 'exa', origins: exa().origins }];

/**
 * What to do about a 402 the command could not pay. A key vendor (Exa) answers a keyless call
 * with an on-chain `exact` challenge: the command pays it by buying a key, once configured.
 */
export function blockedHint(blocked: Pick<BlockedEvent, 'reason' | 'detail'>, origin: string, configured: ReadonlyArray<{ name: string; origins: string[] }>): string | undefined {
  if (configured.some((p) => p.origins.includes(origin))) return undefined;
  const vendor = KNOWN_VENDORS.find((v) => v.origins.includes(origin));
  if (vendor) return `add "providers": ["${vendor.name}"] to config.json in PAYING_FETCH_HOME to buy a key with your delegation`;
  if (blocked.reason === 'unknown-scheme' && /\bexact@/.test(blocked.detail)) {
    return 'this looks like a key vendor\'s challenge (Exa-like: an on-chain `exact` offer only). If it sells API keys for a ' +
      `Nevermined token, configure it in config.json: "providers": [{ "exa": { "apiOrigin": "${origin}", "purchaseUrl": "<its purchase-key URL>" } }]`;
  }
  return undefined;
}
