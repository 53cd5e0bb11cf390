import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { jsonResponse, type RelayResponse } from "../http/problemResponse";
import type { JobView } from "../jobs/jobStore";
import type { Relay } from "../relay/relay";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";
import { ProblemError, problem } from "../shared/problem";
import { replayCallback } from "./callbackReplay";

const STORAGE_RETRY_AFTER_SECONDS = 30;
/** `POST /api/jobs/{id}/callback`: the job route is a catch-all (ids may hold slashes), so the suffix says it. */
const REPLAY_SUFFIX = "/callback";

/**
 * `GET /api/jobs/{id}`: the job's record; 404 for an unknown or expired id. `POST /api/jobs/{id}/callback`: its
 * result delivered again (callbackReplay.ts).
 */
export async function createJobHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const { jobs } = await relay.features(logger);
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      const id = request.params.id ?? "";
      if (request.method === "POST" && id.endsWith(REPLAY_SUFFIX)) {
        return await replayCallback(jobs, id.slice(0, -REPLAY_SUFFIX.length), context);
      }
      requireMethod(request.method, ["GET"]);
      let job: JobView | undefined;
      try {
        job = await jobs.get(id);
      } catch (error) {
        context.warn(`job ${id.slice(0, 100)}: job records unavailable: ${errorLine(error)}`);
        throw new ProblemError(
          problem("job-records-unavailable", 503, "Job records cannot be read right now; retry later"),
          { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
        );
      }
      if (!job) {
        throw new ProblemError(
          problem("unknown-job", 404, `No job ${JSON.stringify(id.slice(0, 100))} (unknown, or expired)`),
        );
      }
      const { id: jobId, status, model, createdAt, completedAt, attempts, result, callback } = job;
      return jsonResponse(
        200,
        { id: jobId, status, model, createdAt, completedAt, attempts, result, callback },
        { "Cache-Control": "no-store" },
      );
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
