import type { QueueClient } from "@azure/storage-queue";
import { createQueueClient } from "../config/queueClient";
import { DEFAULT_STORAGE_TIMEOUT_MS } from "../config/settings";
import type { StorageConnection } from "../config/storageConnection";
import type { ResultEvent } from "./jobResult";
import type { JobSettings } from "./jobSettings";
import { jobMessage, type ScoringJob } from "./scoringJob";

/** A queue whose client is made on first use: a connection without a queue endpoint fails only what needs one. */
export class LazyQueue {
  private ready: Promise<unknown> | undefined;
  private made: QueueClient | undefined;

  constructor(
    private readonly make: () => QueueClient,
    private readonly timeoutMs: number,
  ) {}

  private get client(): QueueClient {
    this.made ??= this.make();
    return this.made;
  }

  /**
   * Sends one plain-text message (host.json `messageEncoding: none`); creates the queue on first use. `delay`:
   * seconds before the message becomes visible; `timeToLive`: seconds it is kept (-1: until it is taken).
   */
  async send(
    text: string,
    options: { delaySeconds?: number; timeToLiveSeconds?: number } = {},
  ): Promise<string> {
    this.ready ??= this.client
      .createIfNotExists({ abortSignal: AbortSignal.timeout(this.timeoutMs) })
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    await this.ready;
    const sent = await this.client.sendMessage(text, {
      abortSignal: AbortSignal.timeout(this.timeoutMs),
      ...(options.delaySeconds ? { visibilityTimeout: options.delaySeconds } : {}),
      ...(options.timeToLiveSeconds ? { messageTimeToLive: options.timeToLiveSeconds } : {}),
    });
    return sent.messageId;
  }
}

/**
 * The relay's own writes to its queues: jobs it accepted over HTTP, and a failed result it must publish on a last
 * attempt (the host writes no output binding of an invocation that fails).
 */
export class JobQueue {
  private readonly jobs: LazyQueue;
  private readonly results: LazyQueue;

  constructor(
    storage: StorageConnection,
    settings: Pick<JobSettings, "scoringQueue" | "resultsQueue">,
    timeoutMs = DEFAULT_STORAGE_TIMEOUT_MS,
  ) {
    this.jobs = new LazyQueue(() => createQueueClient(storage, settings.scoringQueue), timeoutMs);
    this.results = new LazyQueue(() => createQueueClient(storage, settings.resultsQueue), timeoutMs);
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
