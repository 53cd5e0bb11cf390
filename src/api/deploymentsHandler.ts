import type { HttpRequest, InvocationContext } from "@azure/functions";
import type { DeploymentRecord } from "../deployments/deploymentRecord";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { jsonResponse, type RelayResponse } from "../http/problem";
import type { Relay } from "../relay";

export type PublicRecord = Omit<DeploymentRecord, "deploymentUrl"> & { stale: boolean };

/** `GET /api/deployments`: the cached record of every catalog model (URLs left out; they are internal). */
export function createDeploymentsHandler(relay: Relay) {
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["GET"]);
      const models: Record<string, PublicRecord | null> = {};
      for (const name of relay.catalog.models.keys()) {
        const { record, stale } = await relay.records.get(name);
        if (!record) {
          models[name] = null;
          continue;
        }
        const { deploymentUrl: _url, ...rest } = record;
        models[name] = { ...rest, stale };
      }
      return jsonResponse(200, { models }, { "Cache-Control": "no-store" });
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
