import { constantTimeEqual, hmacSha256, signatureInvalid } from "./signatureFailure";
import type { SignatureScheme, SignedDelivery } from "./signatureScheme";

const HEADER = "x-hub-signature-256";

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body keyed with the secret. GitHub signs no
 * timestamp: replays are caught by de-duplicating `X-GitHub-Delivery`.
 */
export class GitHubScheme implements SignatureScheme {
  readonly name = "github";
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    this.keys = secrets.map((secret) => Buffer.from(secret, "utf8"));
  }

  verify({ headers, body }: SignedDelivery): { deliveryId: string | undefined } {
    const value = headers.get(HEADER);
    if (!value) throw signatureInvalid("missing", "The X-Hub-Signature-256 header is missing");
    const match = /^sha256=([0-9a-fA-F]{64})$/.exec(value.trim());
    if (!match?.[1]) {
      throw signatureInvalid("malformed", 'X-Hub-Signature-256 is not "sha256=" and 64 hex digits');
    }
    const given = Buffer.from(match[1], "hex");
    if (!this.keys.some((key) => constantTimeEqual(hmacSha256(key, body), given))) {
      throw signatureInvalid("wrong", "X-Hub-Signature-256 matches none of this source's secrets");
    }
    return { deliveryId: headers.get("x-github-delivery") ?? undefined };
  }
}
