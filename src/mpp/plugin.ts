import type { MppChallenge } from './challenge.js';
import type { MppCredential } from './credential.js';

/** What a method plugin knows about the call it pays for. */
export interface MppPayContext {
  /** The URL being paid for. */
  url: string;
  /** The HTTP method of the request. */
  httpMethod: string;
  signal?: AbortSignal | undefined;
}

/**
 * Pays one MPP payment method: the MPP counterpart of an x402 scheme plugin (`{ network, client }`).
 * `createCredential` may move money (sign, mint, charge): call it only once the price is reserved.
 */
export interface MppMethodPlugin {
  /** The challenge `method` it pays (`nevermined`, `tempo`, `stripe`, ...). */
  readonly method: string;
  /**
   * The network it pays on, for policy lists (`allow.networks`), asset prices (`policy.assets`
   * keyed `<network>:<currency>`) and receipts. Default `mpp:<method>`.
   */
  readonly network?: string | undefined;
  /** The `intent` it pays (`charge`, ...); any intent when omitted. */
  readonly intent?: string | undefined;
  /** Further refusal for challenges of its method/intent it cannot pay (e.g. another network). */
  canHandle?(challenge: MppChallenge): boolean;
  createCredential(challenge: MppChallenge, context: MppPayContext): Promise<MppCredential>;
}

/** The first plugin able to pay a challenge. */
export function findMppPlugin(plugins: ReadonlyArray<MppMethodPlugin>, challenge: MppChallenge): MppMethodPlugin | undefined {
  return plugins.find(
    (p) => p.method === challenge.method && (p.intent === undefined || p.intent === challenge.intent) && (p.canHandle?.(challenge) ?? true),
  );
}
