import { CONFIGURATION_ERROR_ANSWER } from "./problemAnswers";
import type { OpenApiObject, RouteFamily } from "./routeFamily";
import { FUNCTION_KEY, KEY_REFUSED } from "./security";

const nullableString = { type: ["string", "null"] };

function operation(method: string): OpenApiObject {
  return {
    operationId: `status.${method}`,
    tags: ["Operations"],
    summary: "Status page: every model's deployment and why it serves or not, every entry point",
    description:
      "An HTML page (refreshing itself every 5 s), or with `?format=json` or `Accept: application/json` the data it shows. Upstream failures and circuits are those this instance saw.",
    security: FUNCTION_KEY,
    parameters: [
      { name: "format", in: "query", required: false, schema: { type: "string", enum: ["json"] } },
    ],
    responses: {
      "200": {
        description: "The page, or its data.",
        content: {
          "text/html": { schema: { type: "string" } },
          "application/json": { schema: { $ref: "#/components/schemas/RelayStatus" } },
        },
      },
      "401": KEY_REFUSED,
      "503": CONFIGURATION_ERROR_ANSWER,
    },
  };
}

/** `GET /api/status`: auth level function. */
const CALLBACK_HOST = {
  ...nullableString,
  description: "Where the entry's results are pushed (host only), or null when it has no callback.",
};

export const statusRoutes: RouteFamily = {
  tag: { name: "Operations", description: "What the relay knows and how it is." },
  paths: () => ({ "/status": { get: operation("get"), head: operation("head") } }),
  schemas: () => ({
    RelayStatus: {
      type: "object",
      required: ["generatedAt", "storage", "models", "sources", "events"],
      properties: {
        generatedAt: { type: "string", format: "date-time" },
        refreshSchedule: { type: "string" },
        staleAfterSeconds: { type: "integer" },
        storage: {
          type: "object",
          required: ["reachable"],
          properties: { reachable: { type: "boolean" }, lastError: nullableString },
        },
        models: { type: "array", items: { $ref: "#/components/schemas/ModelStatus" } },
        sources: {
          type: "array",
          items: {
            type: "object",
            required: ["name", "model", "scheme", "secretSetting", "secretSet"],
            properties: {
              name: { type: "string" },
              model: { type: "string" },
              scheme: { type: "string" },
              secretSetting: { type: "string", description: "The app setting's name, never its value." },
              secretSet: { type: "boolean" },
              callbackHost: CALLBACK_HOST,
            },
          },
        },
        events: {
          type: "array",
          items: {
            type: "object",
            required: ["name", "model", "settingsSet"],
            properties: {
              name: { type: "string" },
              model: { type: "string" },
              settingsSet: { type: "boolean" },
              unsetSettings: { type: "array", items: { type: "string" } },
              callbackHost: CALLBACK_HOST,
            },
          },
        },
      },
    },
    ModelStatus: {
      type: "object",
      required: ["name", "deploymentId", "status", "usable", "reason", "stale", "circuit"],
      properties: {
        name: { type: "string" },
        resourceGroup: { type: "string" },
        scenarioId: { type: "string" },
        executableId: { type: "string" },
        deploymentId: nullableString,
        status: nullableString,
        targetStatus: nullableString,
        statusMessage: nullableString,
        usable: { type: ["boolean", "null"] },
        reason: { type: "string" },
        refreshedAt: nullableString,
        ageSeconds: { type: ["integer", "null"] },
        stale: { type: "boolean" },
        deletesAt: nullableString,
        lastRefreshError: nullableString,
        lastUpstreamFailure: {
          anyOf: [
            {
              type: "object",
              required: ["at", "message"],
              properties: {
                at: { type: "string", format: "date-time" },
                message: { type: "string" },
                upstreamStatus: { type: ["integer", "null"] },
              },
            },
            { type: "null" },
          ],
        },
        circuit: { type: ["string", "null"], enum: ["closed", "open", "half-open", "isolated", null] },
      },
    },
  }),
};
