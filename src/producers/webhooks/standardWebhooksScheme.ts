import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { ProblemError, problem } from "../../shared/problem";
import { isStandardWebhooksSecret } from "../../shared/secrets";
import { requireFreshTimestamp, signatureInvalid } from "./signatureFailure";
import type { SignatureScheme, SignedDelivery } from "./signatureScheme";

const SIGNATURE_ENTRY = /^v1,[A-Za-z0-9+/]+={0,2}$/;
/** Canonical seconds: the library parses `0<ts>` as `<ts>` and would verify bytes other than those received. */
const CANONICAL_TIMESTAMP = /^(0|[1-9]\d{0,11})$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), verified by the `standardwebhooks`
 * library, once per configured secret. The headers are checked first only to tell missing, malformed and expired
 * apart; the library decides whether a signature matches (constant-time, ±300 s).
 */
export class StandardWebhooksScheme implements SignatureScheme {
  readonly name = "standard-webhooks";
  private readonly webhooks: Webhook[];

  /** Throws (with no secret in the message) if a secret is not a `whsec_` base64 secret. */
  constructor(secrets: readonly string[]) {
    for (const secret of secrets) {
      if (!isStandardWebhooksSecret(secret)) throw new Error("not whsec_ and base64 of at least 24 bytes");
    }
    this.webhooks = secrets.map((secret) => new Webhook(secret));
  }

  verify({ headers, body }: SignedDelivery, nowMs: number): { deliveryId: string } {
    const id = headers.get("webhook-id");
    const timestamp = headers.get("webhook-timestamp");
    const signature = headers.get("webhook-signature");
    const absent = [
      ["webhook-id", id],
      ["webhook-timestamp", timestamp],
      ["webhook-signature", signature],
    ]
      .filter(([, value]) => !value)
      .map(([name]) => name);
    if (!id || !timestamp || !signature) {
      throw signatureInvalid("missing", `The Standard Webhooks header(s) ${absent.join(", ")} are missing`);
    }
    if (!CANONICAL_TIMESTAMP.test(timestamp)) {
      throw signatureInvalid(
        "malformed",
        "webhook-timestamp is not a whole number of seconds since 1970 in canonical digits",
      );
    }
    // The library verifies a string made of the body: bytes that are not UTF-8 would be verified as U+FFFD.
    try {
      utf8.decode(body);
    } catch {
      throw new ProblemError(problem("invalid-body", 400, "The request body is not valid UTF-8"));
    }
    if (!signature.split(" ").some((entry) => SIGNATURE_ENTRY.test(entry))) {
      throw signatureInvalid("malformed", 'webhook-signature carries no "v1,<base64>" signature');
    }
    requireFreshTimestamp(Number(timestamp), nowMs, "webhook-timestamp");
    const unbranded = { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature };
    for (const webhook of this.webhooks) {
      try {
        // The payload is handed over as the bytes received (a Buffer); jsonParse off: parsing comes after.
        webhook.verify(body, unbranded, { jsonParse: false });
        return { deliveryId: id };
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
        if (/timestamp/i.test(error.message)) {
          throw signatureInvalid("expired", "webhook-timestamp is outside the 300 s tolerance");
        }
      }
    }
    throw signatureInvalid("wrong", "webhook-signature matches none of this source's secrets");
  }
}
