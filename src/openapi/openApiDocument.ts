import type { Catalog } from "../config/catalog";
import { parseEventEntries } from "../producers/events/eventCatalog";
import { parseSources } from "../producers/webhooks/sourceCatalog";
import { PROBLEM_SCHEMAS } from "./problemAnswers";
import { ROUTE_FAMILIES } from "./routeFamilies";
import type { OpenApiObject, RouteFamily, RouteFamilyContext } from "./routeFamily";
import { SECURITY_SCHEMES } from "./security";

/** The route prefix of host.json: the document's paths are below it, and its server URL is it. */
export const ROUTE_PREFIX = "/api";

const DESCRIPTION = `A relay between SaaS webhooks / event triggers and models deployed on SAP AI Core. Every error is RFC 9457 \`application/problem+json\`. Every route answers a method it does not take with 405 problem+json (\`Allow\` names the right ones), and an unknown path below the prefix with 404.

Generated from the model catalog the relay runs with: one operation per model, per webhook source and per events entry.`;

/**
 * The OpenAPI 3.1 description of every route the relay serves for this catalog, assembled from the route
 * families. Deterministic: the same catalog gives the same document, byte for byte.
 */
export function buildOpenApiDocument(
  catalog: Catalog,
  options: { version?: string; families?: readonly RouteFamily[] } = {},
): OpenApiObject {
  const context: RouteFamilyContext = {
    catalog,
    sources: parseSources(catalog),
    events: parseEventEntries(catalog),
  };
  const families = options.families ?? ROUTE_FAMILIES;
  const paths: Record<string, OpenApiObject> = {};
  const schemas: Record<string, OpenApiObject> = { ...PROBLEM_SCHEMAS };
  const tags = new Map<string, { name: string; description: string }>();
  for (const family of families) {
    tags.set(family.tag.name, family.tag);
    for (const [path, item] of Object.entries(family.paths(context))) {
      if (path in paths) throw new Error(`Two route families describe ${path}`);
      paths[path] = item;
    }
    Object.assign(schemas, family.schemas?.(context));
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "aicore-relay",
      version: options.version ?? "0.0.0",
      description: DESCRIPTION,
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [{ url: ROUTE_PREFIX, description: "This relay (relative to where this document is served)" }],
    tags: [...tags.values()],
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}
