import type { HttpRequest, InvocationContext } from "@azure/functions";
import { storageConfigurationErrors } from "../config/storageConnection";
import { type StaleCause, staleAfterMs as staleAfterFor, staleCauses } from "../deployments/staleness";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { jsonResponse, type RelayResponse } from "../http/problemResponse";
import type { Relay } from "../relay/relay";

/** Health's own storage budget: a load balancer's probe must get an answer quickly, whatever storage does. */
const HEALTH_STORAGE_BUDGET_MS = 1_500;

interface ModelHealth {
  usable: boolean | null;
  refreshedAt: string | null;
  stale: boolean;
}

async function readModels(relay: Relay, staleAfterMs: number) {
  const now = Date.now();
  const models: Record<string, ModelHealth> = {};
  const staleBecause: Record<StaleCause, string[]> = {
    "refresh-failed": [],
    "not-refreshed": [],
    "from-memory": [],
  };
  /** Models whose record names no usable deployment (a model without a record yet is looked up on its first request). */
  const unusable: string[] = [];
  let anyRecord = false;
  let anyStale = false;
  for (const name of relay.catalog.models.keys()) {
    const read = await relay.records.get(name);
    const record = read.record;
    anyRecord ||= record !== undefined;
    const causes = staleCauses(read, now, staleAfterMs);
    for (const cause of causes) staleBecause[cause].push(name);
    anyStale ||= causes.length > 0;
    if (record && !record.usable) unusable.push(name);
    models[name] = {
      usable: record?.usable ?? null,
      refreshedAt: record?.refreshedAt ?? null,
      stale: causes.length > 0,
    };
  }
  return { models, anyRecord, anyStale, staleBecause, unusable };
}

/** One reason per thing that is wrong, each naming the models it concerns. */
function reasonsFor(
  read: Awaited<ReturnType<typeof readModels>>,
  storageReachable: boolean,
  staleAfterMs: number,
): string[] {
  const reasons: string[] = [];
  const { staleBecause, unusable } = read;
  if (!storageReachable) reasons.push("storage unreachable; serving deployment records from memory");
  else if (staleBecause["from-memory"].length > 0)
    reasons.push(`storage could not be read; records from memory: ${staleBecause["from-memory"].join(", ")}`);
  if (staleBecause["refresh-failed"].length > 0)
    reasons.push(
      `the last refresh from AI Core did not succeed: ${staleBecause["refresh-failed"].join(", ")}`,
    );
  if (staleBecause["not-refreshed"].length > 0)
    reasons.push(
      `deployment records not refreshed for over ${Math.round(staleAfterMs / 1000)} s: ${staleBecause["not-refreshed"].join(", ")}`,
    );
  if (unusable.length > 0) reasons.push(`no usable deployment: ${unusable.join(", ")}`);
  return reasons;
}

/**
 * `GET /api/health`: ok when it can serve; degraded when it serves from memory or from stale records, or a
 * catalog model has no usable deployment (`unusable` names them);
 * 503 only when it cannot serve at all (storage unreachable, nothing in memory, and AI Core cannot be asked).
 * No secrets, no URLs.
 */
export function createHealthHandler(relay: Relay) {
  const staleAfterMs = staleAfterFor(relay.settings.refreshSchedule);
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["GET", "HEAD"]);
      // Records in memory are read at once (a reload runs in the background) while storage is probed.
      const [storageReachable, firstRead] = await Promise.all([
        relay.records.checkStorage(Math.min(HEALTH_STORAGE_BUDGET_MS, relay.settings.storageTimeoutMs)),
        readModels(relay, staleAfterMs),
      ]);
      let read = firstRead;
      if (!storageReachable && !read.anyRecord) {
        // Nothing to serve from: find out whether AI Core can still be asked live (the result stays in memory).
        await relay.refresher.refreshAll(context);
        read = await readModels(relay, staleAfterMs);
      }
      const { models, anyRecord, anyStale, unusable } = read;
      // A storage service the app needs without an endpoint (queue triggers that cannot index): named, degraded.
      const configuration = storageConfigurationErrors(relay.settings.storage).map((error) => ({
        setting: error.setting,
        detail: error.message,
      }));
      const reasons = [
        ...configuration.map((c) => `configuration error: ${c.detail}`),
        ...reasonsFor(read, storageReachable, staleAfterMs),
      ];
      if (!storageReachable && !anyRecord) {
        return jsonResponse(
          503,
          { status: "unavailable", storage: "unreachable", reasons, models },
          {
            "Cache-Control": "no-store",
            "Retry-After": "30",
          },
        );
      }
      const status = reasons.length === 0 ? "ok" : "degraded";
      const body =
        status === "ok"
          ? { status }
          : {
              status,
              storage: storageReachable ? "ok" : "unreachable",
              stale: anyStale,
              unusable,
              ...(configuration.length > 0 ? { configuration } : {}),
              reasons,
              models,
            };
      return jsonResponse(200, body, { "Cache-Control": "no-store" });
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
