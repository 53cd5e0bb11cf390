import type { QueueClient } from "@azure/storage-queue";

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
