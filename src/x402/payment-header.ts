/** The request header that carries a payment: `payment-signature` for v2, `X-PAYMENT` for v1. */
export function paymentHeaderName(x402Version: number): string {
  return x402Version === 1 ? 'X-PAYMENT' : 'payment-signature';
}
