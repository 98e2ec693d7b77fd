import * as z from '../util/zod.js';
import { PaymentSigningError } from '../errors/payment-signing-error.js';
import type { Ledger } from '../policy/ledger.js';
import { fingerprint } from '../util/hash.js';
import { encodePaymentHeader, paymentIdentifierExtension } from '../x402/payment-payload.js';
import type { PaymentRequired } from '../x402/schemas.js';
import type { Emitter } from '../fetch/events.js';
import type { SchemeCandidate } from './scheme-plugins.js';
import type { HeldSignedPayload } from './held.js';
import { originOf } from '../util/url-parts.js';

const resultSchema = z.looseObject({
  x402Version: z.int(),
  payload: z.record(z.string(), z.unknown()),
  extensions: z.optional(z.record(z.string(), z.unknown())),
});

/**
 * Pays with a standard x402 scheme plugin: the price is reserved first (it counts in the budget:
 * no delegation bounds it), then the plugin signs one payload for exactly the chosen entry.
 * Such payloads are single use: never cached, never sent up front.
 */
export class SchemePayer {
  constructor(
    private readonly ledger: Ledger,
    private readonly events: Emitter,
  ) {}

  async pay(candidate: SchemeCandidate, challenge: PaymentRequired, url: string, paymentId: string): Promise<HeldSignedPayload> {
    const { entry, plugin } = candidate;
    const origin = originOf(url);
    const { priceCents } = candidate;
    await this.ledger.assertCapsOpen(origin, entry.planId, `Paying ${origin}`);
    const reservation = await this.ledger.reserve({ kind: 'purchase', amountCents: priceCents, origin, planId: entry.planId, note: 'x402', what: `Paying ${origin} (${entry.scheme} on ${entry.network})` });
    let parsed;
    try {
      const extensions = (challenge as { extensions?: Record<string, unknown> }).extensions;
      const result = await plugin.client.createPaymentPayload(challenge.x402Version, entry as never, extensions ? { extensions } : {});
      parsed = resultSchema.safeParse(result);
      if (!parsed.success) throw new PaymentSigningError({ scheme: entry.scheme, network: entry.network, reason: 'the plugin returned no payload' });
    } catch (error) {
      await this.ledger.release(reservation.id); // nothing was signed or sent
      if (error instanceof PaymentSigningError) throw error;
      throw new PaymentSigningError({ scheme: entry.scheme, network: entry.network, reason: (error as Error).message.slice(0, 200) });
    }
    const extension = paymentIdentifierExtension(challenge, paymentId);
    const header = encodePaymentHeader(challenge, entry, parsed.data as never, extension);
    const held: HeldSignedPayload = {
      kind: 'scheme',
      token: header.value,
      headerName: header.name,
      tokenHash: fingerprint(header.value),
      origin,
      entry,
      x402Version: challenge.x402Version,
      reservationId: reservation.id,
      priceCents,
    };
    this.events.emit('sign', { url, scheme: entry.scheme, network: entry.network, amount: entry.amount ?? entry.maxAmountRequired, asset: entry.asset, priceCents, tokenHash: held.tokenHash, paymentId: extension ? paymentId : undefined });
    return held;
  }
}
