import { ConfigError } from "./configError";

/**
 * App Service replaces `@Microsoft.KeyVault(SecretUri=...)` / `@Microsoft.KeyVault(VaultName=...;SecretName=...)`
 * with the secret before the app starts; when it cannot (no access, wrong URI) the literal reference is what the
 * app sees. Such a value is never a usable setting.
 */
export function isUnresolvedKeyVaultReference(value: string): boolean {
  return /^@Microsoft\.KeyVault\(/i.test(value.trim());
}

export function unresolvedReferenceMessage(name: string): string {
  return (
    `${name} is an unresolved Key Vault reference (@Microsoft.KeyVault(...)): give the app's identity the ` +
    "Key Vault Secrets User role on the vault (a user-assigned identity also needs keyVaultReferenceIdentity) " +
    "and check the secret URI"
  );
}

/** The value, or a ConfigError naming the setting when it is an unresolved Key Vault reference. */
export function requireResolved(name: string, value: string): string {
  if (isUnresolvedKeyVaultReference(value)) throw new ConfigError(unresolvedReferenceMessage(name), name);
  return value;
}
