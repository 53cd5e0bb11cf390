import { constantTimeEqual, hmacSha256, signatureInvalid } from "./signatureFailure";
import type { SignatureScheme, SignedDelivery } from "./signatureScheme";

export interface HmacSchemeOptions {
  /** Header that carries the signature. */
  header: string;
  encoding: "hex" | "base64";
  /** Text before the encoded signature, e.g. `sha256=`. */
  prefix?: string;
  /** Header that carries the delivery id (without it, `Idempotency-Key` is used when sent). */
  idHeader?: string;
}

const ENCODED = { hex: /^[0-9a-fA-F]{64}$/, base64: /^[A-Za-z0-9+/]{43}=$/ } as const;

/** Generic HMAC-SHA256 of the raw body keyed with the secret (UTF-8), in a header named by the catalog. */
export class HmacScheme implements SignatureScheme {
  readonly name = "hmac-sha256";
  private readonly keys: Buffer[];

  constructor(
    secrets: readonly string[],
    private readonly options: HmacSchemeOptions,
  ) {
    this.keys = secrets.map((secret) => Buffer.from(secret, "utf8"));
  }

  verify({ headers, body }: SignedDelivery): { deliveryId: string | undefined } {
    const { header, encoding, prefix = "", idHeader } = this.options;
    const value = headers.get(header)?.trim();
    if (!value) throw signatureInvalid("missing", `The ${header} header is missing`);
    const encoded = value.startsWith(prefix) ? value.slice(prefix.length) : undefined;
    if (encoded === undefined || !ENCODED[encoding].test(encoded)) {
      const shape = encoding === "hex" ? "64 hex digits" : "44 base64 characters";
      throw signatureInvalid(
        "malformed",
        `${header} is not ${prefix ? `${JSON.stringify(prefix)} and ` : ""}${shape} (an HMAC-SHA256)`,
      );
    }
    const given = Buffer.from(encoded, encoding);
    if (!this.keys.some((key) => constantTimeEqual(hmacSha256(key, body), given))) {
      throw signatureInvalid("wrong", `${header} matches none of this source's secrets`);
    }
    return { deliveryId: idHeader ? (headers.get(idHeader) ?? undefined) : undefined };
  }
}
