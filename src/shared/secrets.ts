/** Secrets from a setting: several, separated by whitespace, are all accepted (rotation). */
export function splitSecrets(value: string | undefined): string[] {
  return (value ?? "").split(/\s+/).filter((secret) => secret.length > 0);
}
