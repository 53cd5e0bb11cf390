import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";

/**
 * The official SAP AI Core API description (test/fixtures/aicore/AI_CORE_API.yaml), loaded once, and two
 * checks built on it: response bodies against its schemas, requests against its paths and parameters.
 */

const SPEC_PATH = path.resolve(__dirname, "../fixtures/aicore/AI_CORE_API.yaml");
const SPEC_ID = "aicore-api.json";
/** The spec's server URL ends in /v2; its paths are relative to that. */
const BASE_PATH = "/v2";

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: "query" | "header" | "path" | "cookie";
  required?: boolean;
  schema?: Json;
  style?: string;
  explode?: boolean;
}

export interface DocumentedRequestInput {
  method: string;
  /** Path under the /v2 base, optionally with a query string, or a full URL. */
  path: string;
  query?: Record<string, string | string[] | undefined> | URLSearchParams;
  headers?: Record<string, string | string[] | number | undefined>;
}

let loaded: { spec: Json; ajv: Ajv } | undefined;

function load(): { spec: Json; ajv: Ajv } {
  if (loaded !== undefined) return loaded;
  const spec = parse(readFileSync(SPEC_PATH, "utf8")) as Json;
  // strict: false ignores OpenAPI-only keywords (example, x-*, discriminator); nullable is built into Ajv 8.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Formats the spec uses beyond JSON Schema's: OpenAPI 3.0 data types and SAP's "url".
  ajv.addFormat("url", (value: string) => URL.canParse(value));
  ajv.addFormat("path", true);
  ajv.addFormat("binary", true);
  ajv.addFormat("int64", { type: "number", validate: (value: number) => Number.isInteger(value) });
  ajv.addSchema({ $id: SPEC_ID, components: (spec as { components: Json }).components });
  loaded = { spec, ajv };
  return loaded;
}

/** Deep copy with local `#/components/...` references pointed at a document registered under `specId`. */
export function rebaseRefs(schema: unknown, specId: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => rebaseRefs(item, specId));
  if (typeof schema !== "object" || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string" && value.startsWith("#/")
        ? `${specId}${value}`
        : rebaseRefs(value, specId),
    ]),
  );
}

const compiledParameterSchemas = new WeakMap<object, ValidateFunction>();

function parameterValidator(schema: Json): ValidateFunction {
  let validate = compiledParameterSchemas.get(schema);
  if (validate === undefined) {
    validate = load().ajv.compile(rebaseRefs(schema, SPEC_ID) as Json);
    compiledParameterSchemas.set(schema, validate);
  }
  return validate;
}

function describeErrors(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map(
    (error) => `${error.instancePath || "(root)"} ${error.message ?? "is invalid"}`,
  );
}

/** Errors of `value` against `#/components/schemas/{schemaName}`; empty when it conforms. */
export function validateAgainstSchema(schemaName: string, value: unknown): string[] {
  const { ajv, spec } = load();
  const schemas = (spec.components as { schemas: Json }).schemas;
  if (!(schemaName in schemas)) throw new Error(`The AI Core API has no schema ${schemaName}`);
  const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${schemaName}`);
  if (validate === undefined) throw new Error(`Cannot compile schema ${schemaName}`);
  return validate(value) ? [] : describeErrors(validate).map((error) => `${schemaName}: ${error}`);
}

function resolveParameter(parameter: Json): Parameter {
  const ref = parameter.$ref;
  if (typeof ref !== "string") return parameter as unknown as Parameter;
  const name = ref.replace("#/components/parameters/", "");
  const components = load().spec.components as { parameters: Record<string, Json> };
  const resolved = components.parameters[name];
  if (resolved === undefined) throw new Error(`Unresolvable parameter ${ref}`);
  return resolved as unknown as Parameter;
}

function templateMatch(template: string, requestPath: string): Record<string, string> | undefined {
  const templateParts = template.split("/");
  const requestParts = requestPath.split("/");
  if (templateParts.length !== requestParts.length) return undefined;
  const values: Record<string, string> = {};
  for (const [index, part] of templateParts.entries()) {
    const actual = requestParts[index] ?? "";
    const variable = /^\{(.+)\}$/.exec(part)?.[1];
    if (variable !== undefined) {
      if (actual === "") return undefined;
      values[variable] = decodeURIComponent(actual);
    } else if (part !== actual) {
      return undefined;
    }
  }
  return values;
}

/** The documented path a request path falls under; literal segments win over templates (`$count`). */
function findPath(paths: Record<string, Json>, requestPath: string) {
  const candidates = Object.keys(paths)
    .map((template) => ({ template, values: templateMatch(template, requestPath) }))
    .filter((candidate) => candidate.values !== undefined)
    .sort((a, b) => Object.keys(a.values ?? {}).length - Object.keys(b.values ?? {}).length);
  return candidates[0];
}

function queryEntries(input: DocumentedRequestInput, url: URL): [string, string][] {
  const entries: [string, string][] = [...url.searchParams.entries()];
  if (input.query instanceof URLSearchParams) entries.push(...input.query.entries());
  else if (input.query !== undefined) {
    for (const [name, value] of Object.entries(input.query)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) entries.push([name, item]);
    }
  }
  return entries;
}

/** A raw parameter string as the value its schema describes (form style, explode false for arrays). */
function typedValue(parameter: Parameter, raw: string): unknown {
  const type = parameter.schema?.type;
  if (type === "array") return parameter.explode === false ? raw.split(",") : [raw];
  if ((type === "integer" || type === "number") && raw.trim() !== "" && !Number.isNaN(Number(raw))) {
    return Number(raw);
  }
  if (type === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}

function checkValue(label: string, parameter: Parameter, raw: string): string[] {
  if (parameter.schema === undefined) return [];
  const validate = parameterValidator(parameter.schema);
  return validate(typedValue(parameter, raw))
    ? []
    : describeErrors(validate).map((error) => `${label} '${raw}': ${error}`);
}

/**
 * Whether a request is one the API documents: known path template and method, every query parameter
 * documented for that operation (with a valid value), every required header present. Empty when it is.
 */
export function checkDocumentedRequest(input: DocumentedRequestInput): string[] {
  const { spec } = load();
  const url = new URL(input.path, "http://relay.invalid");
  const method = input.method.toLowerCase();
  const where = `${input.method.toUpperCase()} ${url.pathname}`;
  if (url.pathname !== BASE_PATH && !url.pathname.startsWith(`${BASE_PATH}/`)) {
    return [`${where}: not under the API base ${BASE_PATH}`];
  }
  const paths = spec.paths as Record<string, Json>;
  const found = findPath(paths, url.pathname.slice(BASE_PATH.length));
  if (found?.values === undefined) return [`${where}: no documented path matches`];
  const pathItem = paths[found.template] as Json;
  const operation = pathItem[method] as Json | undefined;
  if (operation === undefined) return [`${where}: ${found.template} documents no ${method.toUpperCase()}`];

  // Operation parameters override path-level ones of the same name and location.
  const parameters = new Map<string, Parameter>();
  for (const raw of [
    ...((pathItem.parameters as Json[]) ?? []),
    ...((operation.parameters as Json[]) ?? []),
  ]) {
    const parameter = resolveParameter(raw);
    parameters.set(`${parameter.in}:${parameter.name}`, parameter);
  }
  const errors: string[] = [];
  for (const [name, raw] of queryEntries(input, url)) {
    const parameter = parameters.get(`query:${name}`);
    if (parameter === undefined) {
      const documented = [...parameters.values()].filter((p) => p.in === "query").map((p) => p.name);
      errors.push(
        `${where}: query parameter '${name}' is not documented (documented: ${documented.join(", ")})`,
      );
    } else {
      errors.push(...checkValue(`${where}: query parameter '${name}'`, parameter, raw));
    }
  }
  for (const [name, value] of Object.entries(found.values)) {
    const parameter = parameters.get(`path:${name}`);
    if (parameter !== undefined)
      errors.push(...checkValue(`${where}: path parameter '${name}'`, parameter, value));
  }
  const headerNames = new Set(Object.keys(input.headers ?? {}).map((name) => name.toLowerCase()));
  for (const parameter of parameters.values()) {
    if (
      parameter.in === "header" &&
      parameter.required === true &&
      !headerNames.has(parameter.name.toLowerCase())
    ) {
      errors.push(`${where}: required header '${parameter.name}' is missing`);
    }
  }
  return errors;
}
