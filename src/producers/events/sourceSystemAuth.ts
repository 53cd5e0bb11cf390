import type { AxiosInstance } from "axios";
import * as z from "zod";
import { TokenProvider } from "../../aicore/tokenProvider";
import type { UpstreamPolicy } from "../../aicore/upstreamPolicy";
import { ConfigError } from "../../config/configError";
import { registerBasicCredentials } from "../../shared/secretRedaction";
import type { EnrichAuthSpec } from "./eventCatalog";

/** How enrichment GETs are authorized towards the source system. */
export interface SourceSystemAuth {
  /** The `Authorization` header value; undefined for none. */
  authorization(): Promise<string | undefined>;
  /** A 401 answered `value`: drops it when it can be renewed; true when another attempt may be answered. */
  refused(value: string | undefined): boolean;
}

export type SourceSystemAuthResult = { auth: SourceSystemAuth } | { missing: string[] };

const httpUrl = z.url({ protocol: /^https?$/ });

/** The settings an auth spec names, with their values; the ones unset are reported, never a value. */
function readSettings(env: NodeJS.ProcessEnv, names: string[]): Map<string, string> | { missing: string[] } {
  const missing = names.filter((name) => !env[name]?.trim());
  if (missing.length > 0) return { missing };
  return new Map(names.map((name) => [name, env[name]?.trim() ?? ""]));
}

/**
 * Reads the entry's credential settings once, at start. Unset settings are returned (the entry answers 503 until
 * they are set); a value that cannot work (a token URL that is no URL, a user with `:`) stops the app with a
 * line naming the setting.
 */
export function createSourceSystemAuth(
  spec: EnrichAuthSpec,
  env: NodeJS.ProcessEnv,
  http: AxiosInstance,
  tokenPolicy: UpstreamPolicy,
  upstream: string,
): SourceSystemAuthResult {
  if (spec.type === "none") {
    return { auth: { authorization: async () => undefined, refused: () => false } };
  }
  if (spec.type === "basic") {
    const values = readSettings(env, [spec.userSetting, spec.passwordSetting]);
    if (!(values instanceof Map)) return values;
    const user = values.get(spec.userSetting) ?? "";
    // RFC 7617: the user id cannot hold a colon; the password may.
    if (user.includes(":"))
      throw new ConfigError(`${spec.userSetting} holds a ':', which Basic auth cannot carry`);
    const password = values.get(spec.passwordSetting) ?? "";
    // The password and the header's base64 are redacted from whatever the source system answers.
    registerBasicCredentials(user, password);
    const header = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    return { auth: { authorization: async () => header, refused: () => false } };
  }
  const values = readSettings(env, [spec.tokenUrlSetting, spec.clientIdSetting, spec.clientSecretSetting]);
  if (!(values instanceof Map)) return values;
  const tokenUrl = values.get(spec.tokenUrlSetting) ?? "";
  if (!httpUrl.safeParse(tokenUrl).success) {
    throw new ConfigError(`${spec.tokenUrlSetting} is not an http(s) URL (the OAuth token endpoint)`);
  }
  const tokens = new TokenProvider(
    {
      tokenUrl,
      clientId: values.get(spec.clientIdSetting) ?? "",
      clientSecret: values.get(spec.clientSecretSetting) ?? "",
    },
    http,
    { policy: tokenPolicy, clientAuthentication: "basic", upstream },
  );
  return {
    auth: {
      authorization: async () => `Bearer ${await tokens.getToken()}`,
      refused: (value) => {
        if (value?.startsWith("Bearer ")) tokens.invalidate(value.slice("Bearer ".length));
        return true;
      },
    },
  };
}
