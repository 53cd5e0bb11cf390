import { readFileSync } from "node:fs";
import * as z from "zod";
import { parseOnce } from "../shared/parseOnce";
import { ConfigError } from "./configError";
import { jsonSyntaxError } from "./jsonSyntax";

export type RequestFormat = "raw" | "instances";

export interface ModelDefinition {
  name: string;
  scenarioId: string;
  executableId: string;
  resourceGroup: string;
  predictPath: string;
  requestFormat: RequestFormat;
  /** zod schema of one instance, built once from the catalog's JSON Schema. */
  inputSchema: z.ZodType;
  /** The catalog's JSON Schema of one instance, as written (webhook coercion reads its property types). */
  input?: Readonly<Record<string, unknown>>;
  /** One valid instance, shown in the OpenAPI description and the API reference. */
  example?: Readonly<Record<string, unknown>>;
}

export interface Catalog {
  models: ReadonlyMap<string, ModelDefinition>;
  /** Raw `sources` section; the webhook module gives it its meaning. */
  sources: Record<string, unknown>;
  /** Raw `events` section; the events module gives it its meaning. */
  events: Record<string, unknown>;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const AI_CORE_ID = /^[\w.-]{1,64}$/;

const modelEntrySchema = z.strictObject({
  scenarioId: z.string().regex(AI_CORE_ID, "is not an AI Core id"),
  executableId: z.string().regex(AI_CORE_ID, "is not an AI Core id"),
  resourceGroup: z.string().min(1).optional(),
  predictPath: z
    .string()
    .regex(/^\/[^\s?#]*$/, "must start with / and hold no query")
    .optional(),
  requestFormat: z.enum(["raw", "instances"]).default("raw"),
  input: z.record(z.string(), z.unknown()),
  example: z.record(z.string(), z.unknown()).optional(),
});

const catalogSchema = z.strictObject({
  $schema: z.string().optional(),
  models: z.record(z.string().regex(MODEL_NAME, "is not a valid model name"), modelEntrySchema),
  sources: z.record(z.string(), z.unknown()).optional(),
  events: z.record(z.string(), z.unknown()).optional(),
});

function where(path: PropertyKey[]): string {
  return path.map(String).join(".");
}

/** Validates catalog JSON and builds each model's input schema once. */
export function parseCatalog(json: unknown, defaultResourceGroup: string, origin = "MODEL_CATALOG"): Catalog {
  const parsed = parseOnce(catalogSchema, json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // zod reports a bad record key as "Invalid key in record"; say what a model name may be instead.
    const message =
      issue?.code === "invalid_key"
        ? "is not a valid model name (letters, digits, _ . -, at most 64)"
        : (issue?.message ?? "is invalid");
    throw new ConfigError(`${origin}: ${where(issue?.path ?? [])} ${message}`);
  }
  const models = new Map<string, ModelDefinition>();
  for (const [name, entry] of Object.entries(parsed.data.models)) {
    let inputSchema: z.ZodType;
    try {
      inputSchema = z.fromJSONSchema(entry.input as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : "unsupported";
      throw new ConfigError(`${origin}: models.${name}.input is not a supported JSON Schema: ${reason}`);
    }
    // Once per model: a prediction compiles the schema's fast path when it first needs it (for its model only).
    const exampleCheck = entry.example === undefined ? undefined : parseOnce(inputSchema, entry.example);
    if (exampleCheck && !exampleCheck.success) {
      const issue = exampleCheck.error.issues[0];
      throw new ConfigError(
        `${origin}: models.${name}.example does not match its input schema: ${where(issue?.path ?? [])} ${issue?.message ?? "is invalid"}`,
      );
    }
    models.set(name, {
      name,
      scenarioId: entry.scenarioId,
      executableId: entry.executableId,
      resourceGroup: entry.resourceGroup ?? defaultResourceGroup,
      predictPath: entry.predictPath ?? `/v1/models/${name}:predict`,
      requestFormat: entry.requestFormat,
      inputSchema,
      input: entry.input,
      example: entry.example,
    });
  }
  if (models.size === 0) throw new ConfigError(`${origin}: models is empty (name at least one model)`);
  return { models, sources: parsed.data.sources ?? {}, events: parsed.data.events ?? {} };
}

export function loadCatalog(filePath: string, defaultResourceGroup: string): Catalog {
  let text: string;
  try {
    text = readFileSync(filePath, "utf8");
  } catch {
    throw new ConfigError(`MODEL_CATALOG: cannot read ${filePath}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(
      `MODEL_CATALOG: ${filePath} is not valid JSON (${jsonSyntaxError(text) ?? "not JSON"})`,
    );
  }
  return parseCatalog(json, defaultResourceGroup, `MODEL_CATALOG ${filePath}`);
}
