import * as z from "zod";
import type { Catalog } from "../../config/catalog";
import {
  callbackField,
  fieldMap,
  parsedEntries,
  requiredFields,
  settingName,
} from "../../config/catalogFields";
import { ConfigError } from "../../config/configError";
import type { MappingDefinition } from "../../payloadMapping/payloadMapping";

/** How a source's deliveries are signed, as the catalog says. */
export type VerifySpec =
  | { scheme: "standard-webhooks" | "github" | "stripe"; secretSetting: string }
  | {
      scheme: "hmac-sha256";
      secretSetting: string;
      header: string;
      encoding: "hex" | "base64";
      prefix?: string;
      idHeader?: string;
    };

/** One catalog source, checked against the models: no secrets yet. */
export interface SourceDefinition extends MappingDefinition {
  verify: VerifySpec;
  /** `github` only: GitHub's `application/x-www-form-urlencoded` deliveries are accepted too (one `payload` field). */
  formEncoded: boolean;
  /** When set, each delivery becomes a scoring job whose result is POSTed here (answered 202 at once). */
  callback?: { url: string; secretSetting?: string | undefined };
}

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, "is not an HTTP header name")
  .transform((name) => name.toLowerCase());

const SCHEMES = ["standard-webhooks", "github", "stripe", "hmac-sha256"] as const;

const verifySchema = z.discriminatedUnion(
  "scheme",
  [
    z.strictObject({ scheme: z.literal("standard-webhooks"), secretSetting: settingName }),
    z.strictObject({ scheme: z.literal("github"), secretSetting: settingName }),
    z.strictObject({ scheme: z.literal("stripe"), secretSetting: settingName }),
    z.strictObject({
      scheme: z.literal("hmac-sha256"),
      secretSetting: settingName,
      header: headerName,
      encoding: z.enum(["hex", "base64"]),
      prefix: z.string().max(50).optional(),
      idHeader: headerName.optional(),
    }),
  ],
  { error: `is not one of ${SCHEMES.join(", ")}` },
);

const sourceSchema = z.strictObject({
  model: z.string().min(1),
  verify: verifySchema,
  map: fieldMap,
  coerce: z.boolean().default(false),
  formEncoded: z.boolean().default(false),
  callback: callbackField,
});

function fail(path: string, message: string): never {
  throw new ConfigError(`MODEL_CATALOG: sources.${path} ${message}`);
}

/** Gives the catalog's raw `sources` their meaning; a wrong source is a one-line ConfigError naming its field. */
export function parseSources(catalog: Catalog): Map<string, SourceDefinition> {
  const sources = new Map<string, SourceDefinition>();
  for (const [name, entry] of parsedEntries(catalog.sources, sourceSchema, "source", fail)) {
    const model = catalog.models.get(entry.model);
    if (!model) {
      fail(
        `${name}.model`,
        `names no model in the catalog: ${JSON.stringify(entry.model)} (known: ${[...catalog.models.keys()].join(", ")})`,
      );
    }
    const map = entry.map ? Object.entries(entry.map) : undefined;
    if (map) {
      const unmapped = requiredFields(model).filter((field) => !Object.hasOwn(entry.map ?? {}, field));
      if (unmapped.length > 0) {
        fail(
          `${name}.map`,
          `maps nothing onto required field(s) ${unmapped.join(", ")} of model ${model.name}`,
        );
      }
    }
    if (entry.formEncoded && entry.verify.scheme !== "github") {
      fail(`${name}.formEncoded`, "is for github sources only (GitHub's form-encoded deliveries)");
    }
    sources.set(name, {
      name,
      model,
      verify: entry.verify,
      map,
      coerce: entry.coerce,
      formEncoded: entry.formEncoded,
      ...(entry.callback ? { callback: entry.callback } : {}),
    });
  }
  return sources;
}
