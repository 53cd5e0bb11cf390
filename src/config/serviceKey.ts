import * as z from "zod";
import { parseOnce } from "../shared/parseOnce";
import { ConfigError } from "./configError";
import { jsonSyntaxError } from "./jsonSyntax";

/** SAP AI Core service key, the JSON the SAP Cloud SDK for AI reads from AICORE_SERVICE_KEY. */
const serviceKeySchema = z.looseObject({
  clientid: z.string().min(1),
  clientsecret: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  serviceurls: z.looseObject({ AI_API_URL: z.url({ protocol: /^https?$/ }) }),
});

export type ServiceKey = z.infer<typeof serviceKeySchema>;

/**
 * Parses the service key. Errors name only the field at fault: the value (which holds the client secret)
 * is never part of the message.
 */
export function parseServiceKey(text: string, settingName = "AICORE_SERVICE_KEY"): ServiceKey {
  let json: unknown;
  try {
    json = JSON.parse(text.trim());
  } catch {
    const where = jsonSyntaxError(text) ?? "not JSON";
    throw new ConfigError(
      `${settingName} is not valid JSON (${where}; expected SAP AI Core service key JSON)`,
    );
  }
  const parsed = parseOnce(serviceKeySchema, json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "(root)");
    throw new ConfigError(
      `${settingName} is not an SAP AI Core service key: missing or invalid ${[...new Set(fields)].join(", ")}`,
    );
  }
  return parsed.data;
}

/** The AI API base without a trailing slash: `{AI_API_URL}/v2/...` is built from it. */
export function aiApiBaseUrl(key: ServiceKey): string {
  return key.serviceurls.AI_API_URL.replace(/\/+$/, "");
}

/** XSUAA token endpoint. */
export function tokenUrl(key: ServiceKey): string {
  return `${key.url.replace(/\/+$/, "")}/oauth/token`;
}

/** The service key as an OAuth client: XSUAA's token endpoint and the key's client id and secret. */
export function clientCredentials(key: ServiceKey): {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
} {
  return { tokenUrl: tokenUrl(key), clientId: key.clientid, clientSecret: key.clientsecret };
}
