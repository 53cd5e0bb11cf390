import type { QueueClient } from "@azure/storage-queue";
import { encodeMessage, type MessageEncoding } from "../config/hostQueues";

/** A queue whose client is made on first use: a connection without a queue endpoint fails only what needs one. */
export class LazyQueue {
  private ready: Promise<unknown> | undefined;
  private made: QueueClient | undefined;

  constructor(
    private readonly make: () => QueueClient,
    private readonly timeoutMs: number,
    /** host.json `messageEncoding`: what the host's trigger decodes, so what the relay writes. */
    private readonly encoding: MessageEncoding,
  ) {}

  private get client(): QueueClient {
    this.made ??= this.make();
    return this.made;
  }

  /**
   * Sends one message, encoded as the host's trigger decodes it (`messageEncoding`); creates the queue on first use.
   * A connection without a queue endpoint throws the ConfigError naming the missing setting. `delay`:
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
    const sent = await this.client.sendMessage(encodeMessage(text, this.encoding), {
      abortSignal: AbortSignal.timeout(this.timeoutMs),
      ...(options.delaySeconds ? { visibilityTimeout: options.delaySeconds } : {}),
      ...(options.timeToLiveSeconds ? { messageTimeToLive: options.timeToLiveSeconds } : {}),
    });
    return sent.messageId;
  }
}
