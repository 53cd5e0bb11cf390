import type { StorageConnection } from "../config/storageConnection";
import type { CallbackProgress, CallbackState } from "../deliveries/callbackDelivery";
import type { CallbackRestart } from "../deliveries/callbackRestart";
import {
  type Claim,
  ClaimTable,
  claimKey,
  claimKeyOfRow,
  type Fields,
  type StoredClaim,
} from "../storage/claimTable";
import { MAX_CALLBACK_RESULT_BYTES } from "./claimCheck";
import { type JobStatus, type ResultData, type ResultEvent, resultEventId } from "./jobResult";
import type { ResultBlobs } from "./resultBlobs";

/** What `GET /api/jobs/{id}` shows. */
export interface JobView {
  id: string;
  status: JobStatus;
  model: string;
  createdAt: string;
  completedAt?: string;
  attempts: number;
  /** `{ deploymentId, prediction }` or `{ problem }` once the job is done; undefined while it is not. */
  result?: unknown;
  /** The job's content hash (idempotency). */
  hash: string;
  /** The result CloudEvent as published (a claim check for a large result), when recorded. */
  event?: ResultEvent;
  /** The blob that holds the whole result, when the published event is a claim check. */
  resultBlob?: string;
  /** The queue message that completed the job, and how often it had been delivered. */
  messageId?: string;
  /** Where the job's result is pushed, and how far that got; undefined for a job without a callback. */
  callback?: JobCallback;
}

/** A job's callback as its record keeps it. `url` without its query (which may carry the receiver's token). */
export interface JobCallback extends CallbackProgress {
  url: string;
}

/** What a callback attempt needs of a job: its result CloudEvent (undefined when too large to be kept here). */
export interface CallbackSubject {
  resultId: string;
  body: string | undefined;
  callback?: CallbackProgress;
}

/** The queue message being processed, as the trigger describes it. */
export interface JobDelivery {
  messageId: string;
  dequeueCount: number;
}

export interface JobClaim extends Claim {
  jobId: string;
  model: string;
  createdAt: Date;
}

export type JobClaimResult =
  | { outcome: "claimed"; claim: JobClaim }
  | { outcome: "done"; job: JobView }
  | { outcome: "in-progress"; job: JobView }
  | { outcome: "body-mismatch"; job: JobView };

const FINAL_CALLBACK_STATES: readonly string[] = ["delivered", "failed", "gone", "refused"];

/** The record's fields of a callback's progress; a last status of 0: the last attempt got no answer. */
function callbackFields(progress: CallbackProgress): Fields {
  return {
    callbackState: progress.state,
    callbackAttempts: progress.attempts,
    callbackLastStatus: progress.lastStatus ?? 0,
    callbackDetail: progress.detail ?? "",
    callbackAt: progress.at,
    ...(progress.series === undefined ? {} : { callbackSeries: progress.series }),
  };
}

function callbackOf(f: Fields): JobCallback | undefined {
  if (typeof f.callbackUrl !== "string") return undefined;
  const lastStatus = Number(f.callbackLastStatus ?? 0);
  const detail =
    typeof f.callbackDetail === "string" && f.callbackDetail !== "" ? f.callbackDetail : undefined;
  return {
    url: f.callbackUrl,
    state: String(f.callbackState ?? "pending") as CallbackState,
    attempts: Number(f.callbackAttempts ?? 0),
    ...(lastStatus > 0 ? { lastStatus } : {}),
    ...(detail ? { detail } : {}),
    at: f.callbackAt instanceof Date ? f.callbackAt : new Date(0),
    ...(Number(f.callbackSeries ?? 0) > 0 ? { series: Number(f.callbackSeries) } : {}),
  };
}

/** A callback URL as the record shows it: no query, no fragment. */
/**
 * The callback as the record shows it: its origin, the path redacted (incoming-webhook URLs such as Slack's carry
 * their secret in the path) and no query.
 */
export function shownCallbackUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname === "/" ? "/" : "/…"}`;
  } catch {
    return "";
  }
}

/** What `GET /api/jobs/{id}` shows of a result. */
function resultOf(data: ResultData): unknown {
  return data.status === "succeeded"
    ? { deploymentId: data.deploymentId, prediction: data.prediction }
    : { problem: data.problem };
}

function viewOf(record: StoredClaim): JobView {
  const f = record.fields;
  const status: JobStatus =
    record.state === "queued"
      ? "queued"
      : record.state === "in-progress"
        ? "running"
        : (f.status as JobStatus);
  let event: ResultEvent | undefined;
  if (record.state === "done" && record.payload.byteLength > 0) {
    event = JSON.parse(record.payload.toString("utf8")) as ResultEvent;
  }
  return {
    id: String(f.jobId),
    status,
    model: String(f.model ?? ""),
    createdAt: (f.createdAt instanceof Date ? f.createdAt : record.claimedAt).toISOString(),
    completedAt: f.completedAt instanceof Date ? f.completedAt.toISOString() : undefined,
    attempts: Number(f.attempts ?? 0),
    result: event && typeof f.resultBlob !== "string" ? resultOf(event.data) : undefined,
    hash: record.bodyHash,
    event,
    resultBlob: typeof f.resultBlob === "string" && f.resultBlob !== "" ? f.resultBlob : undefined,
    messageId: typeof f.messageId === "string" ? f.messageId : undefined,
    callback: callbackOf(f),
  };
}

/**
 * Job records in Table storage (`scoringjobs`), on the claim table webhook deliveries use: a job id is claimed
 * before it is scored, so a message delivered twice is scored once.
 */
export class JobStore {
  private readonly table: ClaimTable;
  private readonly scope: string | undefined;
  private readonly blobs: ResultBlobs | undefined;
  private readonly ttlMs: number;

  /**
   * `scope`: what job records are kept apart by on a shared storage account, the relay's AI Core instance
   * (AI_API_URL): a job id (an Idempotency-Key) of one relay is never another's.
   */
  constructor(
    storage: StorageConnection,
    options: {
      ttlMs: number;
      timeoutMs?: number;
      tableName?: string;
      abandonAfterMs?: number;
      scope?: string;
      /** Where whole results too large for a queue message are kept (the claim check's store). */
      blobs?: ResultBlobs;
    },
  ) {
    this.scope = options.scope;
    this.blobs = options.blobs;
    this.ttlMs = options.ttlMs;
    this.table = new ClaimTable(storage, {
      tableName: options.tableName ?? "scoringjobs",
      ttlMs: options.ttlMs,
      timeoutMs: options.timeoutMs,
      // The host hides a message for 10 minutes while its function runs, renewing that while it runs.
      abandonAfterMs: options.abandonAfterMs ?? 10 * 60_000,
    });
  }

  private key(jobId: string) {
    return this.scope === undefined ? claimKey(jobId) : claimKey(this.scope, jobId);
  }

  /** The blob of a job's whole result (the claim check's): named by its record's key, so kept apart by scope too. */
  resultBlobName(jobId: string): string {
    return `${this.key(jobId).rowKey}.json`;
  }

  /** Records a job as queued (respond-async); answers the existing job instead when the id is taken. */
  async accept(jobId: string, model: string, hash: string, now: Date): Promise<JobView | undefined> {
    const existing = await this.table.enqueue(this.key(jobId), hash, now, {
      jobId,
      model,
      createdAt: now,
      attempts: 0,
    });
    return existing && viewOf(existing);
  }

  /**
   * Claims a job for this delivery. A claim of the same message that was delivered fewer times is the run of a
   * host that died holding it (the queue shows a message again only once its run stopped renewing it): taken over.
   */
  async claim(
    jobId: string,
    model: string,
    hash: string,
    delivery: JobDelivery,
    now: Date,
  ): Promise<JobClaimResult> {
    let createdAt = now;
    const claimed = await this.table.claim(
      this.key(jobId),
      hash,
      now,
      (previous) => {
        createdAt = previous?.fields.createdAt instanceof Date ? previous.fields.createdAt : now;
        return {
          jobId,
          model,
          createdAt,
          attempts: delivery.dequeueCount,
          messageId: delivery.messageId,
        };
      },
      (existing) =>
        existing.fields.messageId === delivery.messageId &&
        Number(existing.fields.attempts ?? 0) < delivery.dequeueCount,
    );
    if (claimed.outcome === "claimed") {
      return { outcome: "claimed", claim: { ...claimed.claim, jobId, model, createdAt } };
    }
    return { outcome: claimed.outcome, job: viewOf(claimed.record) };
  }

  /**
   * Records the job's result, and its callback's first progress when it has one; false when the claim was no
   * longer this instance's.
   */
  complete(
    claim: JobClaim,
    event: ResultEvent,
    delivery: JobDelivery,
    now: Date,
    callback?: { url: string; progress: CallbackProgress },
    /** The blob of the whole result, when `event` is its claim check. */
    resultBlob?: string,
  ): Promise<boolean> {
    const bytes = Buffer.from(JSON.stringify(event));
    const fields: Fields = {
      jobId: claim.jobId,
      model: claim.model,
      status: event.data.status,
      createdAt: claim.createdAt,
      completedAt: now,
      attempts: delivery.dequeueCount,
      messageId: delivery.messageId,
      ...(resultBlob ? { resultBlob } : {}),
      // callbackTarget: the whole URL (its query may hold the receiver's token), for a replay; never shown.
      ...(callback
        ? {
            callbackUrl: shownCallbackUrl(callback.url),
            callbackTarget: callback.url,
            ...callbackFields(callback.progress),
          }
        : {}),
    };
    return this.table.complete(claim, fields, bytes, now, callback?.progress.keepUntil);
  }

  /** Gives the job back as queued, to be scored on the message's next delivery. */
  async retryLater(claim: JobClaim, delivery: JobDelivery, now: Date): Promise<void> {
    await this.table.requeue(
      claim,
      {
        jobId: claim.jobId,
        model: claim.model,
        createdAt: claim.createdAt,
        attempts: delivery.dequeueCount,
        messageId: delivery.messageId,
      },
      now,
    );
  }

  /** Forgets a job that was accepted but could not be enqueued. */
  async forget(jobId: string, now: Date): Promise<void> {
    const record = await this.table.get(this.key(jobId), now);
    if (record?.state === "queued")
      await this.table.release({ key: record.key, bodyHash: record.bodyHash, etag: record.etag });
  }

  /** The job's record; a claim-checked result is read whole from its blob. */
  async get(jobId: string, now: Date): Promise<JobView | undefined> {
    const record = await this.table.get(this.key(jobId), now);
    if (!record) return undefined;
    const view = viewOf(record);
    const whole = await this.wholeResult(view);
    return whole ? { ...view, result: resultOf(whole.data) } : view;
  }

  /** The whole result CloudEvent of a claim-checked job, from its blob; undefined for any other job. */
  private async wholeResult(view: JobView): Promise<ResultEvent | undefined> {
    if (!view.resultBlob || !this.blobs) return undefined;
    const bytes = await this.blobs.get(view.resultBlob);
    if (!bytes) throw new Error(`the result blob of job ${view.id} is missing`);
    return JSON.parse(bytes.toString("utf8")) as ResultEvent;
  }

  /** The result a callback of this job sends, and the callback's progress; undefined for no (live, done) job. */
  async callbackSubject(jobId: string, now: Date): Promise<CallbackSubject | undefined> {
    const record = await this.table.get(this.key(jobId), now);
    if (record?.state !== "done") return undefined;
    const view = viewOf(record);
    const { callback } = view;
    // The whole result up to MAX_CALLBACK_RESULT_BYTES; a larger one goes as its claim check (dataref).
    const whole = await this.wholeResult(view);
    const wholeJson = whole && JSON.stringify(whole);
    const fits = wholeJson !== undefined && Buffer.byteLength(wholeJson) <= MAX_CALLBACK_RESULT_BYTES;
    return {
      resultId: view.event?.id ?? resultEventId(jobId, new Date(view.completedAt ?? record.claimedAt)),
      body: fits ? wholeJson : view.event ? JSON.stringify(view.event) : undefined,
      ...(callback ? { callback } : {}),
    };
  }

  /**
   * Records how far the job's callback got. A final state (delivered, failed, gone, refused) is never overwritten:
   * a late attempt of a duplicated task cannot undo a recorded 2xx. Conditioned on the record's ETag.
   */
  async recordCallback(jobId: string, progress: CallbackProgress, now: Date): Promise<void> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const record = await this.table.get(this.key(jobId), now);
      if (!record || FINAL_CALLBACK_STATES.includes(String(record.fields.callbackState))) return;
      // An attempt of a series a replay has replaced records nothing.
      if (Number(record.fields.callbackSeries ?? 0) !== (progress.series ?? 0)) return;
      const { keepUntil } = progress;
      const longer = keepUntil && keepUntil > record.expiresAt ? keepUntil : undefined;
      if (await this.table.mergeFields(record.key, record.etag, callbackFields(progress), longer)) return;
    }
    throw new Error(`the record of job ${jobId} kept changing`);
  }

  /**
   * Starts a new series of callback attempts for a done job: progress back to `pending` with no attempts, the
   * series one more, the record kept until `keepUntil` at least. Whatever state the callback was in.
   */
  async restartCallback(jobId: string, now: Date, keepUntil: Date): Promise<CallbackRestart> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const record = await this.table.get(this.key(jobId), now);
      if (!record) return { outcome: "unknown-job" };
      const view = viewOf(record);
      if (record.state !== "done") return { outcome: "not-done", status: view.status };
      const url = record.fields.callbackTarget;
      if (typeof url !== "string" || url === "") return { outcome: "no-callback" };
      const series = Number(record.fields.callbackSeries ?? 0) + 1;
      const fields = callbackFields({ state: "pending", attempts: 0, at: now, series });
      const longer = keepUntil > record.expiresAt ? keepUntil : undefined;
      if (await this.table.mergeFields(record.key, record.etag, fields, longer)) {
        return { outcome: "restarted", url, series };
      }
    }
    throw new Error(`the record of job ${jobId} kept changing`);
  }

  /** Deletes expired records, and the whole results of records that are gone. */
  async purgeExpired(now: Date): Promise<number> {
    const purged = await this.table.purgeExpired(now);
    // A result is kept as long as its record: one whose callback is pending outlives JOB_TTL_HOURS.
    const alive = async (name: string) =>
      (await this.table.get(claimKeyOfRow(name.replace(/\.json$/, "")), now)) !== undefined;
    if (this.blobs) await this.blobs.purgeOlderThan(new Date(now.getTime() - this.ttlMs), alive);
    return purged;
  }
}
