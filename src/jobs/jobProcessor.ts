import type { MessageEncoding } from "../config/hostQueues";
import { callbackRefused } from "../deliveries/callbackRefused";
import type { Callbacks } from "../deliveries/createCallbacks";
import { type PredictionRequest, parsePredictionRequest } from "../scoring/predictionRequest";
import type { Scorer } from "../scoring/scorer";
import { answerValue, problemOutcome, type ScoringOutcome } from "../scoring/scoringOutcome";
import { errorLine } from "../shared/errorLine";
import type { Logger } from "../shared/logger";
import { ProblemError, problem } from "../shared/problem";
import { claimCheckEvent, fitsQueueMessage, resultReference } from "./claimCheck";
import type { EventPreparationStep } from "./eventPreparationStep";
import { isProducerJobId } from "./jobIds";
import { type ResultData, type ResultEvent, resultEvent } from "./jobResult";
import type { JobClaim, JobDelivery, JobStore } from "./jobStore";
import type { ResultBlobs } from "./resultBlobs";
import { type JobEvent, jobHash, legacyJobHash, parseJobMessage, type ScoringJob } from "./scoringJob";

const CALLBACK_REFUSED_TYPE = callbackRefused("").type;

/**
 * Thrown so that the host makes the message visible again and retries it (and, after `maxDequeueCount`
 * deliveries, moves it to the poison queue). Its message is one line, without secrets.
 */
export class TransientJobFailure extends Error {
  override readonly name = "TransientJobFailure";
}

/**
 * Errors the relay's own code raises on what it was given — a stack overflow or an array too long (RangeError), text
 * that is not JSON (SyntaxError) — come back on every delivery: retrying them only delays the failed result.
 */
function dependsOnInput(error: unknown): boolean {
  return error instanceof RangeError || error instanceof SyntaxError;
}

/** `data.event` of an event job's result: the CloudEvent's source, id and type. */
function eventOf(job: ScoringJob): Pick<ResultData, "event"> {
  if (!job.event) return {};
  const { source, id, type } = job.event.cloudEvent;
  return { event: { source: String(source), id: String(id), type: String(type) } };
}

export interface JobProcessorOptions {
  /** host.json `extensions.queues.maxDequeueCount`: the delivery that is the last attempt. */
  maxDequeueCount: number;
  /** Result callbacks; without them a job that names a callback fails (it is refused). */
  callbacks?: Pick<Callbacks, "admit" | "start" | "initialProgress">;
  clock?: () => Date;
  /** Makes an event job's request: registered by the events producer, which event jobs come from. */
  prepareEvent?: EventPreparationStep;
  /** Where a result too large for a queue message is stored whole (the claim check). */
  blobs?: ResultBlobs;
  /** The app's host name (WEBSITE_HOSTNAME): a claim check's dataref is absolute with it. */
  hostName?: string;
  /** host.json `messageEncoding`: how a result message is written, and so how large it is. */
  messageEncoding?: MessageEncoding;
}

/** A result as it goes out: the event published (a claim check when large) and the blob of the whole one. */
interface CheckedResult {
  published: ResultEvent;
  blob?: string;
}

/** Where a failed result goes on a last attempt, when the output binding will not be written. */
export interface ResultPublisher {
  publish(event: ResultEvent): Promise<void>;
}

/**
 * One delivery of a scoring-queue message: parse, claim the job id, score with the same Scorer as `/predict`,
 * record the result. Answers the result CloudEvent for the output binding (or undefined when there is nothing to
 * publish: a copy of a job already done), or throws TransientJobFailure for the host to retry.
 */
export class JobProcessor {
  private readonly clock: () => Date;

  constructor(
    private readonly scorer: Pick<Scorer, "model" | "score">,
    private readonly store: JobStore,
    private readonly publisher: ResultPublisher,
    private readonly options: JobProcessorOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  async process(message: unknown, delivery: JobDelivery, logger: Logger): Promise<ResultEvent | undefined> {
    const parsed = parseJobMessage(message, delivery.messageId);
    if (!parsed.ok) {
      // Permanent: no job to record; a failed result at once, and the message completes.
      logger.warn(`job ${parsed.jobId}: not a scoring job: ${parsed.problem.detail}`);
      const data: ResultData = {
        jobId: parsed.jobId,
        model: "",
        status: "failed",
        problem: parsed.problem,
        attempts: delivery.dequeueCount,
      };
      return resultEvent(data, this.clock());
    }
    const job = parsed.job;
    const last = delivery.dequeueCount >= this.options.maxDequeueCount;
    // Hashed outside the storage call's try: what the input makes throw must not pass for storage being down.
    const hash = jobHash(job);
    const legacyHash = legacyJobHash(job);
    let claimed: Awaited<ReturnType<JobStore["claim"]>>;
    try {
      // An id of an HTTP producer's namespace is only taken for a job the relay accepted under it: a queue message
      // cannot claim the job id of a future event, delivery or idempotency key.
      if (isProducerJobId(job.id) && !(await this.store.get(job.id, this.clock()))) {
        logger.warn(
          `job ${job.id}: the message names a job id of the relay's HTTP producers that was never accepted; dropped`,
        );
        return undefined;
      }
      claimed = await this.store.claim(job.id, job.model, hash, delivery, this.clock());
      if (claimed.outcome === "body-mismatch" && claimed.job.hash === legacyHash) {
        // Accepted by a relay before canonical hashes (a deployment's overlap): the same job.
        claimed = await this.store.claim(job.id, job.model, claimed.job.hash, delivery, this.clock());
      }
    } catch (error) {
      const reason = `job records unavailable: ${errorLine(error)}`;
      if (last) await this.publishFailure(job, delivery, reason, logger);
      throw new TransientJobFailure(`job ${job.id}: ${reason}`);
    }
    switch (claimed.outcome) {
      case "done":
        // The same message again: its earlier run recorded the result but may have died before the host wrote
        // the output, so the recorded event is published again (same id). Another copy's result is out already.
        if (claimed.job.messageId === delivery.messageId && claimed.job.event) {
          // Its callback's first task may not have been queued either (a second one is harmless: same webhook-id).
          const callback = claimed.job.callback;
          if (job.callback && callback?.state === "pending" && callback.attempts === 0) {
            await this.startCallback(job.id, job.callback);
          }
          return claimed.job.event;
        }
        logger.log(`job ${job.id}: already ${claimed.job.status}; this copy is not scored again`);
        return undefined;
      case "in-progress":
        // Another message holds it; if its host dies, that message comes back and takes the claim over.
        logger.log(`job ${job.id}: being scored by another delivery; this copy completes`);
        return undefined;
      case "body-mismatch":
        logger.warn(`job ${job.id}: the id was used before for a different job; this copy is dropped`);
        return undefined;
      case "claimed":
        return this.scoreClaimed(job, claimed.claim, delivery, last, logger);
    }
  }

  private async scoreClaimed(
    job: ScoringJob,
    claim: JobClaim,
    delivery: JobDelivery,
    last: boolean,
    logger: Logger,
  ): Promise<ResultEvent> {
    let outcome: ScoringOutcome;
    try {
      outcome = await this.score(job, logger);
    } catch (error) {
      logger.error(`job ${job.id}: unexpected error: ${errorLine(error)}`);
      outcome = {
        kind: "problem",
        transient: !dependsOnInput(error),
        problem: problem("internal-error", 500, "The relay failed unexpectedly; the error was logged"),
      };
    }
    if (outcome.kind === "problem" && outcome.transient && !last) {
      await this.store.retryLater(claim, delivery, this.clock()).catch((error: unknown) => {
        logger.warn(
          `job ${job.id}: claim not given back (the next delivery takes it over): ${errorLine(error)}`,
        );
      });
      throw new TransientJobFailure(`job ${job.id}: ${outcome.problem.detail}; the host retries it`);
    }
    const whole = resultEvent(this.resultData(job, outcome, delivery), this.clock());
    let checked: CheckedResult;
    try {
      checked = await this.claimChecked(whole);
    } catch (error) {
      const reason = `the result (${Buffer.byteLength(JSON.stringify(whole))} bytes) could not be stored: ${errorLine(error)}`;
      if (!last) {
        await this.store.retryLater(claim, delivery, this.clock()).catch(() => undefined);
        throw new TransientJobFailure(`job ${job.id}: ${reason}; the host retries it`);
      }
      // The last attempt: a failed result that fits a message, rather than none.
      logger.error(`job ${job.id}: ${reason}; a failed result goes out instead`);
      const data: ResultData = {
        ...this.resultData(job, outcome, delivery),
        status: "failed",
        prediction: undefined,
        metadata: undefined,
        problem: problem("job-records-unavailable", 503, `The job was scored but ${reason}`),
      };
      checked = { published: resultEvent(JSON.parse(JSON.stringify(data)), this.clock()) };
    }
    const event = checked.published;
    const callback = this.callbackOf(job, outcome);
    if (outcome.kind === "problem" && outcome.transient) {
      // Last attempt: the host writes no output of a failed invocation, so the result goes out directly, once
      // recorded (or once the record failed: the last attempt's result goes out all the same).
      const recorded = await this.record(claim, checked, delivery, logger, callback, true);
      await this.publisher.publish(event);
      if (recorded && callback?.progress.state === "pending") {
        await this.startCallback(job.id, callback.url).catch((error: unknown) => {
          logger.error(`job ${job.id}: callback not queued on the last attempt: ${errorLine(error)}`);
        });
      }
      throw new TransientJobFailure(
        `job ${job.id}: ${outcome.problem.detail}; last attempt (${delivery.dequeueCount}), failed result published`,
      );
    }
    const recorded = await this.record(claim, checked, delivery, logger, callback, last);
    if (recorded && callback?.progress.state === "pending") await this.startCallback(job.id, callback.url);
    return event;
  }

  /**
   * The result as it can go on the results queue: itself when it fits a message, else its claim check (CloudEvents'
   * `dataref`), once the whole result is stored in its blob. Throws when it cannot be stored.
   */
  private async claimChecked(whole: ResultEvent): Promise<CheckedResult> {
    const json = JSON.stringify(whole);
    if (fitsQueueMessage(json, this.options.messageEncoding)) return { published: whole };
    if (!this.options.blobs) throw new Error("this relay has no result store");
    const blob = this.store.resultBlobName(whole.data.jobId);
    await this.options.blobs.put(blob, Buffer.from(json));
    return {
      published: claimCheckEvent(whole, resultReference(whole.data.jobId, this.options.hostName)),
      blob,
    };
  }

  /** Why the job's callback is refused (CALLBACK_ALLOWED_HOSTS, or callbacks off), or undefined when it may go. */
  private callbackRefusal(url: string): string | undefined {
    if (!this.options.callbacks) return "callbacks are off in this relay";
    const check = this.options.callbacks.admit(url);
    return check.allowed ? undefined : check.reason;
  }

  /** The callback the job's record starts with: pending, or refused when the job failed because of it. */
  private callbackOf(job: ScoringJob, outcome: ScoringOutcome) {
    if (job.callback === undefined) return undefined;
    const at = this.clock();
    const refused = outcome.kind === "problem" && outcome.problem.type === CALLBACK_REFUSED_TYPE;
    const progress = refused
      ? { state: "refused" as const, attempts: 0, detail: String(outcome.problem.detail ?? ""), at }
      : (this.options.callbacks?.initialProgress(at) ?? { state: "refused" as const, attempts: 0, at });
    return { url: job.callback, progress };
  }

  /** Queues the callback's first attempt; a failure makes the host deliver the job's message again. */
  private async startCallback(jobId: string, url: string): Promise<void> {
    try {
      await this.options.callbacks?.start(jobId, url);
    } catch (error) {
      throw new TransientJobFailure(
        `job ${jobId}: result recorded, callback not queued: ${errorLine(error)}`,
      );
    }
  }

  /**
   * Validation as `/predict` does it (unknown model, shape, schema, callback: permanent), then the Scorer. An event job
   * builds its request first: type check, enrichment from the source system, mapping (prepareEvent).
   */
  private async score(job: ScoringJob, logger: Logger): Promise<ScoringOutcome> {
    // Refused when it was taken (too large, or no CloudEvent): its failed result, at once.
    if (job.refused) return { kind: "problem", transient: false, problem: job.refused };
    const refusal = job.callback === undefined ? undefined : this.callbackRefusal(job.callback);
    if (refusal !== undefined) {
      logger.warn(`job ${job.id}: callback refused, the job fails: ${refusal}`);
      return { kind: "problem", transient: false, problem: callbackRefused(refusal) };
    }
    try {
      const model = this.scorer.model(job.model);
      let request: PredictionRequest;
      if (job.event) {
        const prepared = await this.prepareEvent(job.event);
        if (prepared.kind === "problem") return prepared;
        request = prepared.request;
      } else {
        const batch = Object.hasOwn(job.body, "instances");
        request = parsePredictionRequest(job.body, model, batch ? "" : "/input");
      }
      return await this.scorer.score(model, request, logger);
    } catch (error) {
      if (error instanceof ProblemError) return { kind: "problem", problem: error.problem, transient: false };
      throw error;
    }
  }

  private prepareEvent(event: JobEvent) {
    const prepared = this.options.prepareEvent?.(event);
    if (prepared) return prepared;
    // The catalog changed since the event was taken: the entry is gone for good.
    return Promise.resolve(
      problemOutcome(
        problem("unknown-events-entry", 404, `No events entry named ${event.entry} in the catalog any more`),
      ),
    );
  }

  private resultData(job: ScoringJob, outcome: ScoringOutcome, delivery: JobDelivery): ResultData {
    const base = {
      jobId: job.id,
      model: job.model,
      metadata: job.metadata,
      ...eventOf(job),
      attempts: delivery.dequeueCount,
    };
    if (outcome.kind === "prediction") {
      return {
        ...base,
        status: "succeeded",
        deploymentId: outcome.deploymentId,
        prediction: answerValue(outcome.contentType, outcome.body),
      };
    }
    const deploymentId = outcome.problem.deploymentId;
    return {
      ...base,
      status: "failed",
      ...(typeof deploymentId === "string" ? { deploymentId } : {}),
      problem: outcome.problem,
    };
  }

  /**
   * Records the result before it is published: a result out with its record left `running` is what a client
   * polling the job, or resubmitting it, would never see. A record that cannot be written fails the delivery (the
   * queue delivers the job again, whose next run records and publishes it, under the same CloudEvent id) — except
   * on the last attempt, whose result goes out all the same (answered false).
   */
  private async record(
    claim: JobClaim,
    result: CheckedResult,
    delivery: JobDelivery,
    logger: Logger,
    callback?: Parameters<JobStore["complete"]>[4],
    last = false,
  ): Promise<boolean> {
    const recorded = await this.store
      .complete(claim, result.published, delivery, this.clock(), callback, result.blob)
      .catch((error: unknown) => {
        logger.warn(`job ${claim.jobId}: result not recorded: ${errorLine(error)}`);
        if (!last) {
          throw new TransientJobFailure(
            `job ${claim.jobId}: result not recorded, so not published: ${errorLine(error)}; the host retries it`,
          );
        }
        return undefined;
      });
    if (recorded === false) logger.warn(`job ${claim.jobId}: result not recorded: the claim was taken over`);
    if (recorded !== true && callback?.progress.state === "pending") {
      // A callback sends the recorded result; the delivery that took the claim over queues its own.
      logger.warn(`job ${claim.jobId}: callback not queued, as the result is not recorded`);
    }
    return recorded === true;
  }

  /** A last attempt that could not even claim the job: publish its failed result so that it does not end silently. */
  private async publishFailure(job: ScoringJob, delivery: JobDelivery, reason: string, logger: Logger) {
    const event = resultEvent(
      {
        jobId: job.id,
        model: job.model,
        metadata: job.metadata,
        ...eventOf(job),
        attempts: delivery.dequeueCount,
        status: "failed",
        problem: problem(
          "job-records-unavailable",
          503,
          `The job could not be claimed, so it was not scored: ${reason}`,
        ),
      },
      this.clock(),
    );
    await this.publisher.publish(event).catch((error: unknown) => {
      logger.error(`job ${job.id}: failed result not published: ${errorLine(error)}`);
    });
  }
}
