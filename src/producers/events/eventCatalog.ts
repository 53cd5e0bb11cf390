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
import { compileUrlTemplate, type UrlTemplate } from "./urlTemplate";

/** How the relay authenticates to the source system it enriches from; settings name where the secrets live. */
export type EnrichAuthSpec =
  | { type: "none" }
  | { type: "basic"; userSetting: string; passwordSetting: string }
  | {
      type: "oauth2-client-credentials";
      tokenUrlSetting: string;
      clientIdSetting: string;
      clientSecretSetting: string;
    };

export interface EnrichSpec {
  url: UrlTemplate;
  auth: EnrichAuthSpec;
}

/** One catalog events entry, checked against the models; no settings read yet. `callback`: as for a source. */
export interface EventDefinition extends MappingDefinition {
  /** When set, each event's result is POSTed here. */
  callback?: { url: string; secretSetting?: string | undefined };
  /** CloudEvent types this entry scores; any other is acknowledged with a failed result. */
  types: ReadonlySet<string>;
  /** GET from the source system before mapping (thin events), when present. */
  enrich: EnrichSpec | undefined;
  /** `WebHook-Request-Origin` values the handshake grants, lower case; `*` grants any. */
  allowedOrigins: readonly string[];
  /** `WebHook-Allowed-Rate`: `*` or requests per minute. */
  allowedRate: string;
}

const AUTH_TYPES = ["none", "basic", "oauth2-client-credentials"] as const;

const authSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("none") }),
    z.strictObject({ type: z.literal("basic"), userSetting: settingName, passwordSetting: settingName }),
    z.strictObject({
      type: z.literal("oauth2-client-credentials"),
      tokenUrlSetting: settingName,
      clientIdSetting: settingName,
      clientSecretSetting: settingName,
    }),
  ],
  { error: `is not one of ${AUTH_TYPES.join(", ")}` },
);

const origin = z
  .string()
  .regex(/^(\*|[A-Za-z0-9][A-Za-z0-9.:-]{0,252})$/, "is not * or a host name such as eventgrid.azure.net")
  .transform((value) => value.toLowerCase());

/** The schema of one entry. */
const eventEntrySchema = z.strictObject({
  model: z.string().min(1),
  types: z.array(z.string().min(1).max(256)).min(1, "must name at least one CloudEvent type"),
  enrich: z
    .strictObject({
      url: z.string().min(1).max(2000),
      auth: authSchema.default({ type: "none" }),
    })
    .optional(),
  map: fieldMap,
  coerce: z.boolean().default(false),
  allowedOrigins: z.array(origin).min(1).default(["*"]),
  allowedRate: z
    .union([z.literal("*"), z.number().int().min(1).max(1_000_000)], { error: "is not * or a whole number" })
    .default("*"),
  callback: callbackField,
});

function fail(path: string, message: string): never {
  throw new ConfigError(`MODEL_CATALOG: events.${path} ${message}`);
}

/** Gives the catalog's raw `events` their meaning; a wrong entry is a one-line ConfigError naming its field. */
export function parseEventEntries(catalog: Catalog): Map<string, EventDefinition> {
  const entries = new Map<string, EventDefinition>();
  for (const [name, entry] of parsedEntries(catalog.events, eventEntrySchema, "events entry", fail)) {
    const model = catalog.models.get(entry.model);
    if (!model) {
      fail(
        `${name}.model`,
        `names no model in the catalog: ${JSON.stringify(entry.model)} (known: ${[...catalog.models.keys()].join(", ")})`,
      );
    }
    let enrich: EnrichSpec | undefined;
    if (entry.enrich) {
      const url = compileUrlTemplate(entry.enrich.url);
      if (typeof url === "string") fail(`${name}.enrich.url`, url);
      enrich = { url, auth: entry.enrich.auth };
    }
    const map = entry.map ? Object.entries(entry.map) : undefined;
    for (const [field, pointer] of map ?? []) {
      const root = pointer.split("/")[1];
      if (root === "event" || (root === "enriched" && enrich)) continue;
      fail(
        `${name}.map.${field}`,
        enrich
          ? "must point into /event/... or /enriched/..."
          : "must point into /event/... (/enriched/... needs enrich)",
      );
    }
    if (map) {
      const unmapped = requiredFields(model).filter((field) => !Object.hasOwn(entry.map ?? {}, field));
      if (unmapped.length > 0) {
        fail(
          `${name}.map`,
          `maps nothing onto required field(s) ${unmapped.join(", ")} of model ${model.name}`,
        );
      }
    }
    entries.set(name, {
      name,
      label: `events entry ${name}`,
      model,
      types: new Set(entry.types),
      enrich,
      map,
      coerce: entry.coerce,
      allowedOrigins: entry.allowedOrigins,
      allowedRate: String(entry.allowedRate),
      ...(entry.callback ? { callback: entry.callback } : {}),
    });
  }
  return entries;
}
