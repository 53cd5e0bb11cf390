import { CONFIGURATION_ERROR_ANSWER } from "./problemAnswers";
import type { RouteFamily } from "./routeFamily";
import { FUNCTION_KEY, KEY_REFUSED } from "./security";

const nullableString = { type: ["string", "null"] };

/** `GET /api/deployments`: the cached record of every catalog model. */
export const deploymentsRoutes: RouteFamily = {
  tag: { name: "Operations", description: "What the relay knows and how it is." },
  paths: ({ catalog }) => {
    const example = Object.fromEntries(
      [...catalog.models.values()].map((model) => [
        model.name,
        {
          model: model.name,
          resourceGroup: model.resourceGroup,
          scenarioId: model.scenarioId,
          executableId: model.executableId,
          deploymentId: "d1",
          status: "RUNNING",
          targetStatus: "RUNNING",
          statusMessage: null,
          lastOperation: "CREATE",
          configurationId: "c1",
          latestRunningConfigurationId: "c1",
          usable: true,
          reason: "RUNNING",
          refreshedAt: "2026-01-01T00:00:00.000Z",
          deletesAt: null,
          lastError: null,
          lastAttemptAt: "2026-01-01T00:00:00.000Z",
          stale: false,
        },
      ]),
    );
    return {
      "/deployments": {
        get: {
          operationId: "deployments",
          tags: ["Operations"],
          summary: "The deployment record of every catalog model",
          description:
            "From the records the timer keeps (through a 5-second memory cache). `null` for a model that has no record yet.",
          security: FUNCTION_KEY,
          responses: {
            "200": {
              description: "One record per catalog model.",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["models"],
                    properties: {
                      models: {
                        type: "object",
                        additionalProperties: {
                          anyOf: [{ $ref: "#/components/schemas/DeploymentRecord" }, { type: "null" }],
                        },
                      },
                    },
                  },
                  example: { models: example },
                },
              },
            },
            "401": KEY_REFUSED,
            "503": CONFIGURATION_ERROR_ANSWER,
          },
        },
      },
    };
  },
  schemas: () => ({
    DeploymentRecord: {
      type: "object",
      required: ["model", "deploymentId", "status", "usable", "reason", "refreshedAt", "stale"],
      properties: {
        model: { type: "string" },
        resourceGroup: { type: "string" },
        scenarioId: { type: "string" },
        executableId: { type: "string" },
        deploymentId: nullableString,
        status: {
          ...nullableString,
          description: "PENDING, RUNNING, COMPLETED, DEAD, STOPPING, STOPPED, UNKNOWN",
        },
        targetStatus: { ...nullableString, description: "RUNNING, STOPPED, DELETED" },
        statusMessage: nullableString,
        lastOperation: nullableString,
        configurationId: nullableString,
        latestRunningConfigurationId: nullableString,
        usable: { type: "boolean" },
        reason: { type: "string", description: "Why it is usable or not." },
        refreshedAt: {
          type: "string",
          format: "date-time",
          description: "Last successful refresh from AI Core.",
        },
        deletesAt: { ...nullableString, description: "For DEAD deployments: completionTime + 7 days." },
        lastError: { ...nullableString, description: "Set when the latest refresh failed." },
        lastAttemptAt: nullableString,
        stale: {
          type: "boolean",
          description:
            "The record may no longer say what AI Core says: the last refresh failed (`lastError`), no refresh succeeded for 3 refresh intervals + 30 s, or storage could not be read and this is the instance's last record. The same meaning as in /api/health.",
        },
      },
    },
  }),
};
