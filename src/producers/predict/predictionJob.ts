import { randomUUID } from "node:crypto";
import type { InvocationContext } from "@azure/functions";
import { callbackRefused } from "../../deliveries/callbackRefused";
import { jsonResponse, type RelayResponse } from "../../http/problemResponse";
import type { Jobs } from "../../jobs/createJobs";
import { MAX_IDEMPOTENCY_KEY_LENGTH, predictJobId } from "../../jobs/jobIds";
import { jobLocation } from "../../jobs/jobLocation";
import { MAX_CALLBACK_URL_LENGTH } from "../../jobs/scoringJob";
import { ProblemError, problem } from "../../shared/problem";

export interface PredictionJobRequest {
  model: string;
  body: Record<string, unknown>;
  /** The `Idempotency-Key`, if any. */
  id?: string;
  /** The `Callback-Url`, if any. */
  callback?: string;
}

/**
 * `Prefer: respond-async` on a validated prediction: the job is accepted (202 with its `Location`), the callback URL
 * checked first (a refused one is 422, and no job is made). A module of its own, loaded on the first such request:
 * a synchronous prediction never loads the job model.
 */
export async function acceptPredictionJob(
  jobs: Jobs,
  request: PredictionJobRequest,
  context: InvocationContext,
): Promise<RelayResponse> {
  const key = request.id;
  if (key !== undefined && (key.length > MAX_IDEMPOTENCY_KEY_LENGTH || key.trim() === "")) {
    throw new ProblemError(
      problem(
        "invalid-body",
        400,
        `The Idempotency-Key must hold 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      ),
    );
  }
  const { callback } = request;
  if (callback !== undefined) {
    if (callback.length > MAX_CALLBACK_URL_LENGTH) {
      throw new ProblemError(callbackRefused(`it is longer than ${MAX_CALLBACK_URL_LENGTH} characters`));
    }
    const check = jobs.callbacks.admit(callback);
    if (!check.allowed) throw new ProblemError(callbackRefused(check.reason));
  }
  const job = await jobs.submit(
    {
      // The key names a job in the predict namespace only: it cannot name an event's or a delivery's job.
      id: predictJobId(key ?? randomUUID()),
      model: request.model,
      body: request.body,
      ...(callback === undefined ? {} : { callback }),
    },
    context,
  );
  return jsonResponse(
    202,
    { id: job.id, status: job.status },
    {
      Location: jobLocation(job.id),
      "Preference-Applied": "respond-async",
      "Retry-After": "1",
      "Cache-Control": "no-store",
    },
  );
}
