import path from "node:path";
import * as z from "zod";
import { ConfigError } from "./configError";
import { requireResolved } from "./keyVaultReference";
import { DEFAULT_REFRESH_SCHEDULE } from "./refreshSchedule";
import { parseServiceKey, type ServiceKey } from "./serviceKey";
import { type StorageConnection, storageConnectionFromEnv } from "./storageConnection";

export interface Settings {
  serviceKey: ServiceKey;
  resourceGroup: string;
  modelCatalogPath: string;
  refreshSchedule: string;
  storage: StorageConnection;
  maxBodyBytes: number;
  port: number;
  /** Per attempt of a predict call. */
  predictTimeoutMs: number;
  /** Per call to the AI API and the token endpoint. */
  aiCoreTimeoutMs: number;
  /** Per call to an events entry's source system (enrichment) or its token endpoint. */
  enrichTimeoutMs: number;
  /** Whole budget of one request to the relay, retries included; well inside the Functions HTTP limit (230 s). */
  requestDeadlineMs: number;
  /** Upstream calls in flight at once on one instance (bulkhead). */
  maxConcurrentUpstream: number;
  /** Budget of one Table storage operation (a claim, a record read or write), its retries included. */
  storageTimeoutMs: number;
  /** Largest answer read from an upstream (decompressed), and the total of one batch's answers. */
  maxUpstreamBytes: number;
}

export const DEFAULT_STORAGE_TIMEOUT_MS = 2_000;

const resourceGroupId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, "is not a resource group id");
const positiveInt = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "is not a whole number")
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));
const ncrontab = z
  .string()
  .trim()
  .refine((s) => s.split(/\s+/).length === 6, "is not an NCRONTAB expression of six fields (seconds first)");

/** Reads a setting with its parser; the error names the setting and the rule, never the value. */
function read<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<T>, fallback: string): T {
  const raw = env[name] === undefined ? undefined : requireResolved(name, env[name]);
  const parsed = schema.safeParse(raw === undefined || raw.trim() === "" ? fallback : raw);
  if (!parsed.success) {
    throw new ConfigError(`${name} ${parsed.error.issues[0]?.message ?? "is invalid"}`);
  }
  return parsed.data;
}

/** All settings of DESIGN §3, parsed once. `appRoot` anchors the default catalog path. */
export function loadSettings(env: NodeJS.ProcessEnv, appRoot: string): Settings {
  const serviceKeyText = env.AICORE_SERVICE_KEY;
  if (serviceKeyText === undefined || serviceKeyText.trim() === "") {
    throw new ConfigError(
      "AICORE_SERVICE_KEY is not set (the SAP AI Core service key JSON; `npm start` provides the bundled emulator's)",
    );
  }
  const catalog = requireResolved("MODEL_CATALOG", env.MODEL_CATALOG?.trim() || "models.json");
  return {
    serviceKey: parseServiceKey(requireResolved("AICORE_SERVICE_KEY", serviceKeyText)),
    resourceGroup: read(env, "AICORE_RESOURCE_GROUP", resourceGroupId, "default"),
    modelCatalogPath: path.resolve(appRoot, catalog),
    refreshSchedule: read(env, "DEPLOYMENT_REFRESH_SCHEDULE", ncrontab, DEFAULT_REFRESH_SCHEDULE),
    storage: storageConnectionFromEnv(env),
    maxBodyBytes: read(env, "MAX_BODY_BYTES", positiveInt(100 * 1024 * 1024), "1048576"),
    port: read(env, "PORT", positiveInt(65535), "7071"),
    predictTimeoutMs: read(env, "PREDICT_TIMEOUT_MS", positiveInt(200_000), "30000"),
    aiCoreTimeoutMs: read(env, "AICORE_TIMEOUT_MS", positiveInt(200_000), "10000"),
    enrichTimeoutMs: read(env, "ENRICH_TIMEOUT_MS", positiveInt(200_000), "10000"),
    requestDeadlineMs: read(env, "REQUEST_DEADLINE_MS", positiveInt(200_000), "60000"),
    maxConcurrentUpstream: read(env, "MAX_CONCURRENT_UPSTREAM", positiveInt(10_000), "64"),
    maxUpstreamBytes: read(env, "MAX_UPSTREAM_BYTES", positiveInt(100 * 1024 * 1024), "4194304"),
    storageTimeoutMs: read(
      env,
      "STORAGE_TIMEOUT_MS",
      positiveInt(30_000),
      String(DEFAULT_STORAGE_TIMEOUT_MS),
    ),
  };
}
