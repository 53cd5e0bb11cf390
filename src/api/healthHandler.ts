import type { HttpRequest, InvocationContext } from "@azure/functions";
import { isStale, staleAfterMs as staleAfterFor } from "../deployments/staleness";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { jsonResponse, type RelayResponse } from "../http/problem";
import type { Relay } from "../relay";

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
  let anyRecord = false;
  let anyStale = false;
  for (const name of relay.catalog.models.keys()) {
    const read = await relay.records.get(name);
    const record = read.record;
    anyRecord ||= record !== undefined;
    const stale = isStale(read, now, staleAfterMs);
    anyStale ||= stale;
    models[name] = { usable: record?.usable ?? null, refreshedAt: record?.refreshedAt ?? null, stale };
  }
  return { models, anyRecord, anyStale };
}

/**
 * `GET /api/health`: ok when it can serve; degraded when it serves from memory or from old records;
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
      const { models, anyRecord, anyStale } = read;
      const reasons: string[] = [];
      if (!storageReachable) reasons.push("storage unreachable; serving deployment records from memory");
      if (anyStale)
        reasons.push("deployment records are stale; the last refresh from AI Core did not succeed");
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
          : { status, storage: storageReachable ? "ok" : "unreachable", stale: anyStale, reasons, models };
      return jsonResponse(200, body, { "Cache-Control": "no-store" });
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
