import type { Logger } from "../shared/logger";
import type { CallbackCheck } from "./allowList";
import type { AttemptOutcome, CallbackMessage } from "./callbackSender";
import type { RetrySchedule } from "./retrySchedule";

/** A callback queue message: the attempt `attempt` (1-based) of delivering job `jobId`'s result to `url`. */
export interface CallbackTask {
  jobId: string;
  url: string;
  attempt: number;
  /** The attempt series (0, then one more per replay); a task of an earlier series is dropped. */
  series?: number;
}

/**
 * How long after its last possible attempt a job record with a pending callback is kept: the attempts themselves
 * (at most 100 of 15 s) and the queue's lag fit in it many times over.
 */
export const CALLBACK_RECORD_MARGIN_MS = 3_600_000;

/**
 * Where a job's callback stands, as its record keeps it. `pending`: an attempt is scheduled; the others are final:
 * `delivered` (a 2xx), `failed` (the schedule ran out), `gone` (410), `refused` (allow-list or SSRF guard).
 */
export type CallbackState = "pending" | "delivered" | "failed" | "gone" | "refused";

export interface CallbackProgress {
  state: CallbackState;
  attempts: number;
  /** The receiver's status of the last attempt, when it answered. */
  lastStatus?: number;
  /** One line about the last attempt; names the host, never the URL's path or query. */
  detail?: string;
  at: Date;
  /** The attempt series this progress belongs to (see CallbackTask.series). */
  series?: number;
  /** With `pending`: the job record must be kept at least until then (the last attempt, and a margin). */
  keepUntil?: Date;
}

/** The job records, as callbacks see them. */
export interface CallbackJobs {
  /**
   * The job's result (its CloudEvent's id and JSON; no body when it was too large to be kept) and its callback's
   * progress; undefined when there is no such job (or it expired).
   */
  load(
    jobId: string,
  ): Promise<{ resultId: string; body: string | undefined; callback?: CallbackProgress } | undefined>;
  record(jobId: string, progress: CallbackProgress): Promise<void>;
}

/** The callback queue: a task becomes visible after its delay; a task out of attempts goes to `{queue}-poison`. */
export interface CallbackQueue {
  schedule(task: CallbackTask, delayMs: number): Promise<void>;
  deadLetter(task: CallbackTask, progress: CallbackProgress): Promise<void>;
}

export interface CallbackDeliveryOptions {
  /** Whether a callback to this URL may go out now (allow-list, and callbacks configured at all). */
  admit: (url: string) => CallbackCheck;
  send: (message: CallbackMessage) => Promise<AttemptOutcome>;
  schedule: RetrySchedule;
  queue: CallbackQueue;
  jobs: CallbackJobs;
  now?: () => Date;
}

/**
 * Runs one callback task: checks the URL again, makes one attempt, records what came of it, and schedules the next
 * attempt or dead-letters the task. The record is written before the next task is queued, so a crash in between
 * makes the host deliver this task again (same `webhook-id`) rather than start a second chain of attempts; a crash
 * between the receiver's 2xx and its record does the same — at least once, as every webhook sender.
 */
export class CallbackDelivery {
  constructor(private readonly options: CallbackDeliveryOptions) {}

  async run(task: CallbackTask, logger: Pick<Logger, "warn">): Promise<void> {
    const { jobs } = this.options;
    const job = await jobs.load(task.jobId);
    if (job === undefined) {
      // Not silently: the task goes to the dead letter, where an operator sees what was not delivered.
      logger.warn(`callback for job ${task.jobId}: the job record is gone (expired); dead-lettered`);
      await this.options.queue.deadLetter(task, {
        state: "failed",
        attempts: task.attempt - 1,
        detail: "the job record expired before the callback was delivered",
        at: (this.options.now ?? (() => new Date()))(),
      });
      return;
    }
    // A replay started a new series: the tasks of the earlier one stop here.
    if ((job.callback?.series ?? 0) !== (task.series ?? 0)) return;
    if (job.callback !== undefined && job.callback.state !== "pending") return;
    if (job.body === undefined) {
      // Over the record's bound: the result went to the results queue only, and a callback cannot send it.
      const detail = "the result is too large to be kept for a callback";
      await this.settle(task, { kind: "refused", detail }, logger);
      return;
    }
    const check = this.options.admit(task.url);
    const outcome: AttemptOutcome = check.allowed
      ? await this.options.send({ target: check, id: job.resultId, body: job.body })
      : { kind: "refused", detail: check.reason };
    await this.settle(task, outcome, logger);
  }

  private async settle(
    task: CallbackTask,
    outcome: AttemptOutcome,
    logger: Pick<Logger, "warn">,
  ): Promise<void> {
    const { jobs, queue, schedule } = this.options;
    const at = (this.options.now ?? (() => new Date()))();
    const attempts = outcome.kind === "refused" ? task.attempt - 1 : task.attempt;
    const status = "status" in outcome && outcome.status !== undefined ? { lastStatus: outcome.status } : {};
    const detail = outcome.kind === "delivered" ? {} : { detail: outcome.detail };
    const progress = (state: CallbackState): CallbackProgress => ({
      state,
      attempts,
      ...status,
      ...detail,
      at,
      ...(task.series === undefined ? {} : { series: task.series }),
    });
    switch (outcome.kind) {
      case "delivered":
        await jobs.record(task.jobId, progress("delivered"));
        return;
      case "gone":
      case "refused":
        // Logged here, once: the state is final, so no later task of this job gets this far.
        logger.warn(`callback for job ${task.jobId} ${outcome.kind}: ${outcome.detail}`);
        await jobs.record(task.jobId, progress(outcome.kind));
        return;
      case "failed": {
        const delayMs = schedule.delayAfter(task.attempt, outcome.retryAfterMs);
        if (delayMs === undefined) {
          const failed = progress("failed");
          logger.warn(`callback for job ${task.jobId} failed after ${attempts} attempts: ${outcome.detail}`);
          await jobs.record(task.jobId, failed);
          await queue.deadLetter(task, failed);
          return;
        }
        // The record outlives the attempts still to come, whatever JOB_TTL_HOURS says.
        const keepUntil = new Date(
          at.getTime() + delayMs + schedule.remainingMs(task.attempt + 1) + CALLBACK_RECORD_MARGIN_MS,
        );
        await jobs.record(task.jobId, { ...progress("pending"), keepUntil });
        await queue.schedule({ ...task, attempt: task.attempt + 1 }, delayMs);
      }
    }
  }
}
