import { CONFIGURATION_ERROR_ANSWER } from "./problemAnswers";
import type { OpenApiObject, RouteFamily } from "./routeFamily";
import { ANONYMOUS } from "./security";

const modelHealth = {
  type: "object",
  properties: {
    usable: { type: ["boolean", "null"] },
    refreshedAt: { type: ["string", "null"] },
    stale: { type: "boolean" },
  },
};

const health = (example: unknown) => ({ schema: { $ref: "#/components/schemas/Health" }, example });

function operation(method: string): OpenApiObject {
  return {
    operationId: `health.${method}`,
    tags: ["Operations"],
    summary: "Whether the relay can serve",
    security: ANONYMOUS,
    responses: {
      "200": {
        description:
          "It can serve: `ok`, or `degraded` (storage unreachable, stale records, or a model with no usable deployment: `unusable` names them).",
        content: { "application/json": health({ status: "ok" }) },
      },
      "503": {
        description:
          "It cannot serve at all (storage unreachable, nothing in memory, AI Core not reachable); or, as problem+json, a setting is wrong.",
        content: {
          "application/json": health({
            status: "unavailable",
            storage: "unreachable",
            reasons: ["storage unreachable; serving deployment records from memory"],
            models: { churn: { usable: null, refreshedAt: null, stale: false } },
          }),
          ...(CONFIGURATION_ERROR_ANSWER.content as OpenApiObject),
        },
      },
    },
  };
}

/** `GET /api/health`: anonymous, no secrets, no URLs. */
export const healthRoutes: RouteFamily = {
  tag: { name: "Operations", description: "What the relay knows and how it is." },
  paths: () => ({ "/health": { get: operation("get"), head: operation("head") } }),
  schemas: () => ({
    Health: {
      type: "object",
      required: ["status"],
      properties: {
        status: { type: "string", enum: ["ok", "degraded", "unavailable"] },
        storage: { type: "string", enum: ["ok", "unreachable"] },
        stale: { type: "boolean" },
        unusable: {
          type: "array",
          items: { type: "string" },
          description: "Models with no usable deployment.",
        },
        configuration: {
          type: "array",
          description:
            "Configuration errors that leave part of the relay unable to work: a storage service the app needs with no endpoint setting (the queue functions cannot index without AzureWebJobsStorage__queueServiceUri).",
          items: {
            type: "object",
            required: ["setting", "detail"],
            properties: {
              setting: {
                type: "string",
                description: "The setting to set, e.g. AzureWebJobsStorage__queueServiceUri.",
              },
              detail: { type: "string" },
            },
          },
        },
        reasons: { type: "array", items: { type: "string" } },
        models: { type: "object", additionalProperties: modelHealth },
      },
    },
  }),
};
