import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import type { RelayResponse } from "../http/problemResponse";
import { buildOpenApiDocument } from "../openapi/openApiDocument";
import { openApiText, relayVersion } from "../openapi/openApiText";
import type { Relay } from "../relay/relay";

/** `GET /api/openapi.json`: the description of this relay's routes for the catalog it runs with, built once. */
export function createOpenApiHandler(relay: Relay) {
  let text: string | undefined;
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["GET", "HEAD"]);
      text ??= openApiText(buildOpenApiDocument(relay.catalog, { version: relayVersion() }));
      return {
        status: 200,
        headers: { "Content-Type": "application/json", "Cache-Control": "no-cache" },
        body: text,
      };
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
