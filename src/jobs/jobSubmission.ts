import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";
import { ProblemError, problem } from "../shared/problem";
import type { JobQueue } from "./jobQueue";
import type { JobStore, JobView } from "./jobStore";
import { jobHash, jobMessage, legacyJobHash, type ScoringJob } from "./scoringJob";

/** A storage queue message holds at most 64 KiB. */
export const MAX_JOB_MESSAGE_BYTES = 64 * 1024;

const STORAGE_RETRY_AFTER_SECONDS = 30;

export interface SubmittedJob {
  id: string;
  status: JobView["status"];
  /** False when the id named a job accepted before (the same job: answered again, not enqueued twice). */
  created: boolean;
}

function unavailable(what: string, error: unknown, logger: Logger): ProblemError {
  logger.warn(`job submission: ${what}: ${errorLine(error)}`);
  return new ProblemError(
    problem("job-records-unavailable", 503, `The job could not be accepted (${what}); retry later`),
    { "Retry-After": String(STORAGE_RETRY_AFTER_SECONDS) },
  );
}

/**
 * Accepts a validated job for asynchronous scoring: recorded as queued under the id its producer gave it (jobIds:
 * an idempotency key, an event's source and id, a delivery id, each in its producer's namespace), then put on the
 * scoring queue. The same id with the same job answers that job again; with another job, 422.
 */
export async function submitJob(
  store: JobStore,
  queue: Pick<JobQueue, "enqueue"> & Partial<Pick<JobQueue, "configurationError">>,
  full: ScoringJob,
  logger: Logger,
  now: Date = new Date(),
): Promise<SubmittedJob> {
  // A connection that gives the scoring queue no endpoint: 503 naming the setting, before anything is recorded.
  if (queue.configurationError) throw queue.configurationError;
  const id = full.id;
  const size = Buffer.byteLength(jobMessage(full));
  if (size > MAX_JOB_MESSAGE_BYTES) {
    throw new ProblemError(
      problem(
        "body-too-large",
        413,
        `As a job this request is ${size} bytes; a queue message holds at most ${MAX_JOB_MESSAGE_BYTES}. Send it without respond-async, or in smaller batches`,
        { maxBytes: MAX_JOB_MESSAGE_BYTES },
      ),
    );
  }
  const hash = jobHash(full);
  let existing: JobView | undefined;
  try {
    existing = await store.accept(id, full.model, hash, now);
  } catch (error) {
    throw unavailable("job records unavailable", error, logger);
  }
  if (existing && existing.hash !== hash && existing.hash !== legacyJobHash(full)) {
    throw new ProblemError(
      problem(
        "job-id-reused",
        422,
        `Job ${JSON.stringify(id.slice(0, 100))} was submitted before with a different body`,
        {
          jobId: id.slice(0, 100),
        },
      ),
    );
  }
  if (existing && existing.status !== "queued") return { id, status: existing.status, created: false };
  // A queued job is enqueued again: its first submission may have died before the message was sent, and a second
  // message of the same job is harmless (the job id is claimed before it is scored).
  try {
    await queue.enqueue(full);
  } catch (error) {
    if (!existing) await store.forget(id, now).catch(() => undefined);
    throw unavailable("scoring queue unavailable", error, logger);
  }
  return { id, status: "queued", created: !existing };
}
