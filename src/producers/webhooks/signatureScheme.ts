/** What a verifier sees of a delivery: the headers and the exact bytes received. */
export interface SignedDelivery {
  headers: Headers;
  body: Buffer;
}

/** One signature scheme with the secrets of one source. */
export interface SignatureScheme {
  readonly name: string;
  /** Throws a 401 ProblemError unless one of the secrets signed these exact bytes; returns the delivery id the headers carry. */
  verify(delivery: SignedDelivery, nowMs: number): { deliveryId: string | undefined };
  /** For schemes whose delivery id is inside the (verified) payload, e.g. Stripe's event id. */
  deliveryIdFromPayload?(payload: unknown): string | undefined;
}
