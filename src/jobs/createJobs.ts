import type { StorageConnection } from "../config/storageConnection";
import { type Callbacks, type CallbacksOptions, createCallbacks } from "../deliveries/createCallbacks";
import type { Scorer } from "../scoring/scorer";
import type { Logger } from "../shared/logger";
import type { EventPreparationStep } from "./eventPreparationStep";
import { JobProcessor } from "./jobProcessor";
import { JobQueue } from "./jobQueue";
import type { JobSettings } from "./jobSettings";
import { JobStore, type JobView } from "./jobStore";
import { type SubmittedJob, submitJob } from "./jobSubmission";
import { ResultBlobs } from "./resultBlobs";
import type { ScoringJob } from "./scoringJob";

/** The job model of one instance: what the queue function, respond-async, `GET /api/jobs/{id}` and others use. */
export interface Jobs {
  settings: JobSettings;
  store: JobStore;
  queue: JobQueue;
  /** Result callbacks: the accept-time check, and the delivery of the callback queue's tasks. */
  callbacks: Callbacks;
  /** Processes one delivery of a scoring-queue message (the queue function's whole work). */
  processor: JobProcessor;
  /** Accepts a job under its producer's id (jobIds): recorded as queued and put on the scoring queue (idempotent on the id). */
  submit(job: ScoringJob, logger: Logger): Promise<SubmittedJob>;
  get(jobId: string): Promise<JobView | undefined>;
  purgeExpired(): Promise<number>;
}

export interface JobsOptions {
  settings: JobSettings;
  storage: StorageConnection;
  /** Budget of each storage operation (STORAGE_TIMEOUT_MS). */
  storageTimeoutMs?: number;
  scorer: Pick<Scorer, "model" | "score">;
  /** The relay's AI Core instance (AI_API_URL): job records of relays sharing a storage account kept apart. */
  recordScope?: string;
  /** Makes an event job's request (the events producer registers it). */
  prepareEvent?: EventPreparationStep;
  store?: JobStore;
  queue?: JobQueue;
  /** Where the CALLBACK_* settings are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Catalog callbacks with a signing secret of their own. */
  endpointSecrets?: CallbacksOptions["endpointSecrets"];
  callbacks?: Callbacks;
  clock?: () => Date;
  /** The claim check's store of large results. */
  blobs?: ResultBlobs;
}

export function createJobs(options: JobsOptions): Jobs {
  const { settings } = options;
  const clock = options.clock ?? (() => new Date());
  const blobs =
    options.blobs ?? new ResultBlobs(options.storage, settings.resultsContainer, options.storageTimeoutMs);
  const store =
    options.store ??
    new JobStore(options.storage, {
      ttlMs: settings.ttlMs,
      timeoutMs: options.storageTimeoutMs,
      scope: options.recordScope,
      blobs,
    });
  const queue = options.queue ?? new JobQueue(options.storage, settings, options.storageTimeoutMs);
  const callbacks =
    options.callbacks ??
    createCallbacks({
      env: options.env ?? process.env,
      storage: options.storage,
      storageTimeoutMs: options.storageTimeoutMs,
      messageEncoding: settings.messageEncoding,
      store,
      clock,
      ...(options.endpointSecrets ? { endpointSecrets: options.endpointSecrets } : {}),
    });
  const processor = new JobProcessor(options.scorer, store, queue, {
    maxDequeueCount: settings.maxDequeueCount,
    callbacks,
    clock,
    prepareEvent: options.prepareEvent,
    blobs,
    hostName: settings.hostName,
    messageEncoding: settings.messageEncoding,
  });
  return {
    settings,
    store,
    queue,
    callbacks,
    processor,
    submit: (job, logger) => submitJob(store, queue, job, logger, clock()),
    get: (jobId) => store.get(jobId, clock()),
    purgeExpired: () => store.purgeExpired(clock()),
  };
}
