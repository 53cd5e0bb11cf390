import type { HttpRequest, InvocationContext } from "@azure/functions";
import type { DeploymentRecord } from "../deployments/deploymentRecord";
import { isStale, staleAfterMs } from "../deployments/staleness";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { jsonResponse, type RelayResponse } from "../http/problemResponse";
import type { Relay } from "../relay/relay";

export type PublicRecord = Omit<DeploymentRecord, "deploymentUrl"> & { stale: boolean };

/**
 * `GET /api/deployments`: the cached record of every catalog model (URLs left out; they are internal), `stale`
 * as /api/health means it.
 */
export function createDeploymentsHandler(relay: Relay) {
  const staleAfter = staleAfterMs(relay.settings.refreshSchedule);
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["GET"]);
      const models: Record<string, PublicRecord | null> = {};
      for (const name of relay.catalog.models.keys()) {
        const read = await relay.records.get(name);
        if (!read.record) {
          models[name] = null;
          continue;
        }
        const { deploymentUrl: _url, ...rest } = read.record;
        models[name] = { ...rest, stale: isStale(read, Date.now(), staleAfter) };
      }
      return jsonResponse(200, { models }, { "Cache-Control": "no-store" });
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
