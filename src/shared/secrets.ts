import { registerSecret } from "./secretRedaction";

/**
 * Secrets from a setting: several, separated by whitespace, are all accepted (rotation). Each is registered for
 * redaction, with its key alone when it is a `whsec_` secret.
 */
export function splitSecrets(value: string | undefined): string[] {
  const secrets = (value ?? "").split(/\s+/).filter((secret) => secret.length > 0);
  for (const secret of secrets) {
    registerSecret(secret);
    if (secret.startsWith("whsec_")) registerSecret(secret.slice("whsec_".length));
  }
  return secrets;
}

const STANDARD_WEBHOOKS_SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
/** The spec's secrets are 24 to 64 random bytes; fewer is a typo or a secret of another kind. */
const MIN_SECRET_BYTES = 24;

/** `whsec_` and the base64 of at least 24 bytes, as the Standard Webhooks specification issues them. */
export function isStandardWebhooksSecret(secret: string): boolean {
  const base64 = STANDARD_WEBHOOKS_SECRET.exec(secret)?.[1];
  return base64 !== undefined && Buffer.from(base64, "base64").byteLength >= MIN_SECRET_BYTES;
}
