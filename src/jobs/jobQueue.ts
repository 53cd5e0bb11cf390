import type { ConfigError } from "../config/configError";
import { createQueueClient } from "../config/queueClient";
import { DEFAULT_STORAGE_TIMEOUT_MS } from "../config/settings";
import { missingEndpointError, SERVICE_USERS, type StorageConnection } from "../config/storageConnection";
import { LazyQueue } from "../storage/lazyQueue";
import type { ResultEvent } from "./jobResult";
import type { JobSettings } from "./jobSettings";
import { jobMessage, type ScoringJob } from "./scoringJob";

/**
 * The relay's own writes to its queues: jobs it accepted over HTTP, and a failed result it must publish on a last
 * attempt (the host writes no output binding of an invocation that fails).
 */
export class JobQueue {
  private readonly jobs: LazyQueue;
  private readonly results: LazyQueue;
  /** Set when the storage connection gives no queue endpoint: the setting to name, before any job is accepted. */
  readonly configurationError: ConfigError | undefined;

  constructor(
    storage: StorageConnection,
    settings: Pick<JobSettings, "scoringQueue" | "resultsQueue" | "messageEncoding">,
    timeoutMs = DEFAULT_STORAGE_TIMEOUT_MS,
  ) {
    const queue = (name: string) =>
      new LazyQueue(() => createQueueClient(storage, name), timeoutMs, settings.messageEncoding);
    this.configurationError = missingEndpointError(storage, "queue", SERVICE_USERS.queue);
    this.jobs = queue(settings.scoringQueue);
    this.results = queue(settings.resultsQueue);
  }

  /** Puts a job on the scoring queue; answers the message id. */
  enqueue(job: ScoringJob): Promise<string> {
    return this.jobs.send(jobMessage(job));
  }

  /** Puts a result CloudEvent on the results queue. */
  async publish(event: ResultEvent): Promise<void> {
    await this.results.send(JSON.stringify(event));
  }
}
