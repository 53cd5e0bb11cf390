import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import type { Catalog } from "../../src/config/catalog";
import { buildOpenApiDocument, ROUTE_PREFIX } from "../../src/openapi/openApiDocument";
import { rebaseRefs } from "./openapi";

type Json = Record<string, unknown>;

/** One request to the relay and its answer, as a test saw them. */
export interface Exchange {
  method: string;
  /** URL or path of the request (with the /api prefix). */
  url: string;
  requestHeaders: Record<string, string>;
  requestBody?: string | Uint8Array;
  status: number;
  responseHeaders: Record<string, string>;
  responseText: string;
}

const DOCUMENT_ID = "relay-openapi.json";

/** An answer the OpenAPI description does not describe: a test must never swallow it. */
export class OpenApiMismatch extends Error {
  override readonly name = "OpenApiMismatch";
  constructor(readonly violations: string[]) {
    super(`The exchange does not match the OpenAPI description:\n${violations.join("\n")}`);
  }
}

const mediaType = (value: string | undefined) => value?.split(";")[0]?.trim().toLowerCase() ?? "";

function header(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

function templateMatches(template: string, path: string): boolean {
  const expected = template.split("/");
  const actual = path.split("/");
  return (
    expected.length === actual.length &&
    expected.every((part, index) => (/^\{.+\}$/.test(part) ? actual[index] !== "" : part === actual[index]))
  );
}

/**
 * The relay's OpenAPI description for a catalog, and a check of real exchanges against it: the answer's status,
 * media type and body must be documented for the operation; a request the relay accepted (2xx) must be one
 * the document describes (body schema, required headers). A path it does not describe must get 404 and a
 * method it does not describe 405, both problem+json.
 */
export class RelayOpenApi {
  readonly document: Json;
  private readonly ajv: Ajv2020;
  private readonly validators = new WeakMap<object, ValidateFunction>();

  constructor(catalog: Catalog) {
    this.document = buildOpenApiDocument(catalog);
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: DOCUMENT_ID, components: this.document.components });
  }

  /** Violations of the document by this exchange; empty when it conforms. */
  check(exchange: Exchange): string[] {
    const method = exchange.method.toUpperCase();
    const path = new URL(exchange.url, "http://relay.invalid").pathname;
    const where = `${method} ${path} -> ${exchange.status}`;
    const paths = this.document.paths as Record<string, Json>;
    const below = path.startsWith(`${ROUTE_PREFIX}/`) ? path.slice(ROUTE_PREFIX.length) : undefined;
    const template =
      below === undefined
        ? undefined
        : below in paths
          ? below
          : Object.keys(paths).find((candidate) => templateMatches(candidate, below));
    // A route checks the method before the name: an unknown model asked with GET gets 405, not 404.
    if (template === undefined) return this.checkRefusal(where, exchange, [404, 405], "an undocumented path");
    const pathItem = paths[template] as Json;
    const operation = pathItem[method.toLowerCase()] as Json | undefined;
    if (!operation)
      return this.checkRefusal(where, exchange, [405], `a method ${template} does not document`);
    const errors = this.checkAnswer(where, operation, exchange);
    if (exchange.status >= 200 && exchange.status < 300)
      errors.push(...this.checkRequest(where, operation, exchange));
    return errors;
  }

  /** Throws an OpenApiMismatch naming every violation. */
  assert(exchange: Exchange): void {
    const errors = this.check(exchange);
    if (errors.length > 0) throw new OpenApiMismatch(errors);
  }

  /** 404 or 405 (with Allow) as problem+json. */
  private checkRefusal(where: string, exchange: Exchange, statuses: number[], what: string): string[] {
    if (!statuses.includes(exchange.status))
      return [`${where}: ${what} must be answered ${statuses.join(" or ")}`];
    const errors: string[] = [];
    if (exchange.status === 405 && !header(exchange.responseHeaders, "allow"))
      errors.push(`${where}: 405 without Allow`);
    const type = mediaType(header(exchange.responseHeaders, "content-type"));
    if (type !== "application/problem+json") errors.push(`${where}: answered ${type}, not problem+json`);
    errors.push(
      ...this.checkBody(where, { $ref: "#/components/schemas/Problem" }, exchange.responseText, "answer"),
    );
    return errors;
  }

  private checkAnswer(where: string, operation: Json, exchange: Exchange): string[] {
    const responses = operation.responses as Record<string, Json>;
    const status = String(exchange.status);
    const response = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
    if (!response)
      return [
        `${where}: status ${status} is not documented (documented: ${Object.keys(responses).join(", ")})`,
      ];
    const content = response.content as Record<string, Json> | undefined;
    if (!content || exchange.method.toUpperCase() === "HEAD") return [];
    const type = mediaType(header(exchange.responseHeaders, "content-type"));
    const media = content[type];
    if (!media)
      return [
        `${where}: content type "${type}" is not documented (documented: ${Object.keys(content).join(", ")})`,
      ];
    if (!/json$/.test(type) || media.schema === undefined) return [];
    return this.checkBody(where, media.schema as Json, exchange.responseText, "answer");
  }

  private checkRequest(where: string, operation: Json, exchange: Exchange): string[] {
    const errors: string[] = [];
    for (const parameter of (operation.parameters as Json[] | undefined) ?? []) {
      if (
        parameter.in === "header" &&
        parameter.required === true &&
        !header(exchange.requestHeaders, String(parameter.name))
      ) {
        errors.push(`${where}: accepted without the required header ${String(parameter.name)}`);
      }
    }
    const body = operation.requestBody as Json | undefined;
    if (!body) return errors;
    const content = body.content as Record<string, Json>;
    const type = mediaType(header(exchange.requestHeaders, "content-type"));
    const media = content[type];
    if (!media) {
      errors.push(
        `${where}: accepted a request body of type "${type}" (documented: ${Object.keys(content).join(", ")})`,
      );
      return errors;
    }
    if (!/json$/.test(type) || exchange.requestBody === undefined) return errors;
    const text =
      typeof exchange.requestBody === "string"
        ? exchange.requestBody
        : Buffer.from(exchange.requestBody).toString("utf8");
    errors.push(...this.checkBody(where, media.schema as Json, text, "accepted request"));
    return errors;
  }

  private checkBody(where: string, schema: Json, text: string, what: string): string[] {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return [`${where}: the ${what} is not JSON: ${text.slice(0, 100)}`];
    }
    let validate = this.validators.get(schema);
    if (!validate) {
      validate = this.ajv.compile(rebaseRefs(schema, DOCUMENT_ID) as Json);
      this.validators.set(schema, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${where}: the ${what} at ${error.instancePath || "(root)"} ${error.message ?? "is invalid"}`,
    );
  }
}
