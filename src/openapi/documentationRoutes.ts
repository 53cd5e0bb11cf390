import { REFERENCE_ASSETS } from "../docs/referenceAssets";
import { problem } from "../shared/problem";
import { CONFIGURATION_ERROR_ANSWER, problemAnswer } from "./problemAnswers";
import type { RouteFamily } from "./routeFamily";
import { ANONYMOUS } from "./security";

/** `GET /api/openapi.json`, `GET /api/docs` and the reference page's assets: anonymous. */
export const documentationRoutes: RouteFamily = {
  tag: { name: "Documentation", description: "This description and the interactive reference built on it." },
  paths: () => ({
    "/openapi.json": {
      get: {
        operationId: "openapi",
        tags: ["Documentation"],
        summary: "This OpenAPI 3.1 description, generated from the catalog the relay runs with",
        security: ANONYMOUS,
        responses: {
          "200": {
            description: "The OpenAPI document.",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["openapi", "paths"],
                  properties: { openapi: { type: "string" }, paths: { type: "object" } },
                },
              },
            },
          },
          "503": CONFIGURATION_ERROR_ANSWER,
        },
      },
    },
    "/docs": {
      get: {
        operationId: "docs",
        tags: ["Documentation"],
        summary: "Interactive API reference (Swagger UI, served by the relay itself)",
        security: ANONYMOUS,
        responses: {
          "200": {
            description: "The reference page.",
            content: { "text/html": { schema: { type: "string" } } },
          },
        },
      },
    },
    "/docs/{asset}": {
      get: {
        operationId: "docs.asset",
        tags: ["Documentation"],
        summary: "A file of the reference page",
        security: ANONYMOUS,
        parameters: [
          {
            name: "asset",
            in: "path",
            required: true,
            schema: { type: "string", enum: Object.keys(REFERENCE_ASSETS) },
          },
        ],
        responses: {
          "200": {
            description: "The file, from the installed swagger-ui-dist package.",
            content: Object.fromEntries(
              [...new Set(Object.values(REFERENCE_ASSETS))].map((type) => [
                type.split(";")[0],
                { schema: { type: "string" } },
              ]),
            ),
          },
          "404": problemAnswer("No such file.", {
            unknown: problem("not-found", 404, 'No file "x.js" in the API reference'),
          }),
        },
      },
    },
  }),
};
