import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { jsonResponse, type RelayResponse } from "../http/problemResponse";
import type { JobView } from "../jobs/jobStore";
import type { Relay } from "../relay/relay";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";
import { ProblemError, problem } from "../shared/problem";

const STORAGE_RETRY_AFTER_SECONDS = 30;

/** `GET /api/jobs/{id}`: the job's record; 404 for an unknown or expired id. */
export async function createJobHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const { jobs } = await relay.features(logger);
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["GET"]);
      const id = request.params.id ?? "";
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
