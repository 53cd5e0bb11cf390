import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, it } from "vitest";
import { createDocsHandler } from "../../src/api/docsHandler";
import { createOpenApiHandler } from "../../src/api/openApiHandler";
import { parseCatalog } from "../../src/config/catalog";
import type { RelayResponse } from "../../src/http/problemResponse";
import type { Relay } from "../../src/relay/relay";
import { RelayOpenApi } from "../support/relayOpenApi";
import { shippedCatalogJson } from "../support/world";

const catalog = parseCatalog(shippedCatalogJson(), "default");
const openApi = new RelayOpenApi(catalog);
const context = new InvocationContext({ functionName: "docs" });

/** Calls a handler as the host would, and holds the answer to the OpenAPI description. */
async function call(
  handler: (request: HttpRequest, context: InvocationContext) => Promise<RelayResponse>,
  url: string,
  params: Record<string, string> = {},
  method = "GET",
) {
  const response = await handler(new HttpRequest({ method, url, params }), context);
  const text =
    typeof response.body === "string" ? response.body : Buffer.from(response.body).toString("utf8");
  openApi.assert({
    method,
    url,
    requestHeaders: {},
    status: response.status,
    responseHeaders: response.headers,
    responseText: text,
  });
  return { ...response, text };
}

describe("GET /api/openapi.json and GET /api/docs", () => {
  it("serve the description of the relay's own catalog", async () => {
    const handler = createOpenApiHandler({ catalog } as Relay);
    const answer = await call(handler, "http://localhost/api/openapi.json");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).paths).toHaveProperty("/models/churn/predict");
  });

  it("serve a reference page that loads the document and Swagger UI from the relay, not a CDN", async () => {
    const answer = await call(createDocsHandler(), "http://localhost/api/docs");
    expect(answer.headers["Content-Type"]).toBe("text/html; charset=utf-8");
    expect(answer.text).toContain('url: "/api/openapi.json"');
    expect(answer.text).toContain('src="/api/docs/swagger-ui-bundle.js"');
    expect(answer.text).not.toMatch(/https?:\/\//);
  });

  it("serve Swagger UI's files from the installed package, and 404 for any other name", async () => {
    const docs = createDocsHandler();
    const bundle = await call(docs, "http://localhost/api/docs/swagger-ui-bundle.js", {
      asset: "swagger-ui-bundle.js",
    });
    expect(bundle.status).toBe(200);
    expect(bundle.text).toContain("SwaggerUIBundle");
    const unknown = await call(docs, "http://localhost/api/docs/package.json", { asset: "package.json" });
    expect(unknown.status).toBe(404);
    expect(unknown.headers["Content-Type"]).toBe("application/problem+json");
    expect((await call(docs, "http://localhost/api/docs", {}, "DELETE")).status).toBe(405);
  });
});
