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
