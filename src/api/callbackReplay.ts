import type { InvocationContext } from "@azure/functions";
import type { CallbackRestart } from "../deliveries/callbackRestart";
import { jsonResponse, type RelayResponse } from "../http/problemResponse";
import type { Jobs } from "../jobs/createJobs";
import { jobLocation } from "../jobs/jobLocation";
import { errorLine } from "../shared/errorLine";
import { ProblemError, problem } from "../shared/problem";

const RETRY_AFTER_SECONDS = 30;

/**
 * `POST /api/jobs/{id}/callback`: delivers a done job's result to its callback again, as Svix's and Hookdeck's
 * "resend": a new series of attempts (the schedule from its start) under the same `webhook-id`, whatever state the
 * callback was in; the tasks of an earlier series stop. 202 with where the job's record shows the progress.
 */
export async function replayCallback(
  jobs: Pick<Jobs, "callbacks">,
  id: string,
  context: InvocationContext,
): Promise<RelayResponse> {
  const shown = JSON.stringify(id.slice(0, 100));
  let restart: CallbackRestart;
  try {
    restart = await jobs.callbacks.replay(id);
  } catch (error) {
    context.warn(`job ${id.slice(0, 100)}: callback not replayed: ${errorLine(error)}`);
    throw new ProblemError(
      problem(
        "job-records-unavailable",
        503,
        "The callback could not be started again right now; retry later",
      ),
      { "Retry-After": String(RETRY_AFTER_SECONDS) },
    );
  }
  switch (restart.outcome) {
    case "unknown-job":
      throw new ProblemError(problem("unknown-job", 404, `No job ${shown} (unknown, or expired)`));
    case "not-done":
      throw new ProblemError(
        problem("job-not-done", 409, `Job ${shown} is ${restart.status}: there is no result to deliver yet`, {
          jobStatus: restart.status,
        }),
      );
    case "no-callback":
      throw new ProblemError(
        problem("job-without-callback", 409, `Job ${shown} has no callback to deliver to`),
      );
    case "restarted":
      context.log(`job ${id.slice(0, 100)}: callback replayed (series ${restart.series})`);
      return jsonResponse(
        202,
        { id, callback: { state: "pending", attempts: 0, series: restart.series } },
        { Location: jobLocation(id), "Cache-Control": "no-store" },
      );
  }
}
