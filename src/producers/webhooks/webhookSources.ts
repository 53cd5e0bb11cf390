import { ConfigError } from "../../config/configError";
import { requireResolved } from "../../config/keyVaultReference";
import type { Logger } from "../../shared/logger";
import { splitSecrets } from "../../shared/secrets";
import type { SignatureScheme } from "./signatureScheme";
import type { SourceDefinition } from "./sourceCatalog";
import { createSignatureScheme } from "./verifier";

/** A catalog source with its verifier; `scheme` is undefined while its secret setting is unset (answered 503). */
export interface WebhookSource extends SourceDefinition {
  scheme: SignatureScheme | undefined;
}

/**
 * Reads each source's secret setting once, at start. An unset one is logged (one line per source) and leaves the
 * source answering 503; a secret the scheme cannot use stops the app, naming the setting but never the secret.
 */
export function configureSources(
  definitions: ReadonlyMap<string, SourceDefinition>,
  env: NodeJS.ProcessEnv,
  logger: Pick<Logger, "warn">,
): Map<string, WebhookSource> {
  const sources = new Map<string, WebhookSource>();
  for (const [name, definition] of definitions) {
    const setting = definition.verify.secretSetting;
    const raw = env[setting];
    const secrets = splitSecrets(raw === undefined ? undefined : requireResolved(setting, raw));
    if (secrets.length === 0) {
      logger.warn(
        `webhook source ${name}: ${setting} is not set; POST /api/hooks/${name} answers 503 until it is`,
      );
      sources.set(name, { ...definition, scheme: undefined });
      continue;
    }
    let scheme: SignatureScheme;
    try {
      scheme = createSignatureScheme(definition.verify, secrets);
    } catch {
      throw new ConfigError(
        `${setting} holds a secret that is not a ${definition.verify.scheme} secret (expected whsec_ and the base64 of at least 24 bytes, for each secret of the list)`,
      );
    }
    sources.set(name, { ...definition, scheme });
  }
  return sources;
}
