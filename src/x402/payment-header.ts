/** The request header that carries a payment: `payment-signature` for v2, `X-PAYMENT` for v1. */
export function paymentHeaderName(x402Version: number): string {
  return x402Version === 1 ? 'X-PAYMENT' : 'payment-signature';
}

/** Every header that can carry a payment or a purchased credential (stripped across origins). */
export const PAYMENT_HEADER_NAMES = ['payment-signature', 'x-payment'] as const;
