import { GitHubScheme } from "./githubScheme";
import { HmacScheme } from "./hmacScheme";
import type { SignatureScheme } from "./signatureScheme";
import type { VerifySpec } from "./sourceCatalog";
import { StandardWebhooksScheme } from "./standardWebhooksScheme";
import { StripeScheme } from "./stripeScheme";

/** The scheme the catalog names, with the source's secrets. */
export function createSignatureScheme(spec: VerifySpec, secrets: readonly string[]): SignatureScheme {
  switch (spec.scheme) {
    case "standard-webhooks":
      return new StandardWebhooksScheme(secrets);
    case "github":
      return new GitHubScheme(secrets);
    case "stripe":
      return new StripeScheme(secrets);
    case "hmac-sha256":
      return new HmacScheme(secrets, spec);
  }
}
