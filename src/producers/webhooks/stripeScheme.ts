import { constantTimeEqual, hmacSha256, requireFreshTimestamp, signatureInvalid } from "./signatureFailure";
import type { SignatureScheme, SignedDelivery } from "./signatureScheme";

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]`, HMAC-SHA256 of `${t}.${raw body}` keyed with the
 * whole `whsec_...` secret as UTF-8; ±300 s. The delivery id is the event's `id`, read from the verified body.
 */
export class StripeScheme implements SignatureScheme {
  readonly name = "stripe";
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) => Buffer.from(secret, "utf8"));
  }

  verify({ headers, body }: SignedDelivery, nowMs: number): { deliveryId: undefined } {
    const value = headers.get("stripe-signature");
    if (!value) throw signatureInvalid("missing", "The Stripe-Signature header is missing");
    let timestamp: string | undefined;
    const signatures: Buffer[] = [];
    for (const item of value.split(",")) {
      const [key, ...rest] = item.trim().split("=");
      const text = rest.join("=");
      if (key === "t") timestamp = text;
      else if (key === "v1" && /^[0-9a-fA-F]{64}$/.test(text)) signatures.push(Buffer.from(text, "hex"));
    }
    if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
      throw signatureInvalid("malformed", "Stripe-Signature has no t=<unix seconds>");
    }
    if (signatures.length === 0) {
      throw signatureInvalid("malformed", "Stripe-Signature has no v1=<64 hex digits> signature");
    }
    requireFreshTimestamp(Number(timestamp), nowMs, "Stripe-Signature t");
    const signedPrefix = Buffer.from(`${timestamp}.`, "utf8");
    const matched = this.keys.some((key) => {
      const expected = hmacSha256(key, signedPrefix, body);
      return signatures.some((given) => constantTimeEqual(expected, given));
    });
    if (!matched) throw signatureInvalid("wrong", "Stripe-Signature matches none of this source's secrets");
    return { deliveryId: undefined };
  }

  deliveryIdFromPayload(payload: unknown): string | undefined {
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
    const id = (payload as Record<string, unknown>).id;
    return typeof id === "string" && id.length > 0 ? id : undefined;
  }
}
