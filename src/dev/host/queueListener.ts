import type { DequeuedMessageItem, QueueClient } from "@azure/storage-queue";
import type { FunctionsLibrary } from "./functionsLibrary";
import type { QueueFunction } from "./functionTable";
import { invoke } from "./invocation";
import { type Console, hostLine } from "./logging";
import type { QueuesOptions } from "./queueOptions";
import { type QueueOutputWriter, queueOutputsOf } from "./queueOutputWriter";
import type { QueueClients } from "./queueStorage";

/**
 * The storage queue trigger of one function, following the storage extension's QueueListener and QueueProcessor
 * (Azure/azure-sdk-for-net, sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Queues/src/Listeners/
 * QueueListener.cs and QueueProcessor.cs):
 *   - receives up to `batchSize` messages, hidden for the run (10 minutes, renewed at half that while the function
 *     runs), and fetches again once no more than `newBatchThreshold` are still running;
 *   - an empty queue (or a failed receive) backs off, randomized exponential from 100 ms up to `maxPollingInterval`,
 *     and wakes at once when a function of the app wrote to the queue (SharedQueueWatcher);
 *   - success deletes the message; failure makes it visible again after `visibilityTimeout`, or, once its
 *     `dequeueCount` reached `maxDequeueCount`, copies its text to `{queue}-poison` and deletes it; a message already
 *     delivered more than `maxDequeueCount` times goes to the poison queue unprocessed (BeginProcessingMessageAsync);
 *   - a message that is not base64 under `messageEncoding: base64` goes to the poison queue at once, unprocessed
 *     (QueueServiceClientProvider's MessageDecodingFailed handler);
 *   - the handler gets the text decoded per `messageEncoding` and parsed as JSON when it is JSON (the library's
 *     fromRpcTypedData), and triggerMetadata id, dequeueCount, insertionTime, expirationTime, nextVisibleTime,
 *     popReceipt, queueTrigger.
 * Unlike the host, the dev host creates a missing trigger queue at its first poll (the host waits for it to appear).
 */
export interface QueueListenerOptions {
  fn: QueueFunction;
  library: FunctionsLibrary;
  out: Console;
  clients: QueueClients;
  queues: QueuesOptions;
  writer: QueueOutputWriter;
  /** How long a message stays hidden while its function runs (the host: 10 minutes). */
  leaseMs: number;
  /** Log every invocation, not only failures (`--verbose`). */
  verbose?: boolean;
}

const MIN_POLL_MS = 100;
const RANDOMIZATION = 0.2;

function tryJsonParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}

/** Code of a storage error the host treats as "someone else has the message", or "it is gone". */
function isGone(error: unknown): boolean {
  const status = (error as { statusCode?: number }).statusCode;
  return status === 404 || status === 400;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class QueueListener {
  readonly #o: QueueListenerOptions;
  #clients: { queue: QueueClient; poison: QueueClient } | undefined;
  readonly #processing = new Set<Promise<void>>();
  #wake: (() => void) | undefined;
  #closed = false;
  #loop: Promise<void> | undefined;
  #delayMs = MIN_POLL_MS;
  #exponent = 1;
  #failing = false;

  constructor(options: QueueListenerOptions) {
    this.#o = options;
  }

  /** Made on first use: a connection that names no queue endpoint is reported by the polling loop, not at start. */
  get #queue(): QueueClient {
    return this.#queues().queue;
  }

  get #poison(): QueueClient {
    return this.#queues().poison;
  }

  #queues(): { queue: QueueClient; poison: QueueClient } {
    const { clients, fn } = this.#o;
    this.#clients ??= {
      queue: clients.get(fn.connection, fn.queueName),
      poison: clients.get(fn.connection, `${fn.queueName}-poison`),
    };
    return this.#clients;
  }

  get queueName(): string {
    return this.#o.fn.queueName;
  }

  /** Starts polling after `delayMs`, or as soon as a function of this app writes to the queue, if that comes first. */
  start(delayMs = 0): void {
    this.#loop = this.#run(delayMs);
  }

  /** A function of this app wrote to the queue: poll now instead of waiting out the back-off. */
  notify(): void {
    this.#wake?.();
  }

  /** Stops polling and waits for the messages being processed (the host's graceful stop). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#loop;
    await Promise.allSettled([...this.#processing]);
  }

  async #run(delayMs: number): Promise<void> {
    if (delayMs > 0) await this.#pause(delayMs);
    let created = false;
    let found = false;
    while (!this.#closed) {
      let batch: DequeuedMessageItem[] = [];
      try {
        if (!created) {
          await this.#queue.createIfNotExists();
          created = true;
        }
        const received = await this.#queue.receiveMessages({
          numberOfMessages: this.#o.queues.batchSize,
          visibilityTimeout: Math.ceil(this.#o.leaseMs / 1000),
        });
        batch = received.receivedMessageItems;
        if (this.#failing) hostLine(this.#o.out, `Queue '${this.queueName}': receiving messages again`);
        this.#failing = false;
      } catch (error) {
        created = false;
        if (!this.#failing) {
          hostLine(
            this.#o.out,
            `Queue '${this.queueName}': could not receive messages: ${firstLine(error)}`,
            "warning",
          );
        }
        this.#failing = true;
      }
      if (batch.length === 0) {
        await this.#backOff(found);
        found = false;
        continue;
      }
      found = true;
      for (const message of batch) {
        const task = this.#process(message).finally(() => this.#processing.delete(task));
        this.#processing.add(task);
      }
      while (this.#processing.size > this.#o.queues.newBatchThreshold) await Promise.race(this.#processing);
    }
  }

  /** RandomizedExponentialBackoffStrategy: back to 100 ms after messages were found, else doubling to the cap. */
  async #backOff(found: boolean): Promise<void> {
    const max = this.#o.queues.maxPollingIntervalMs;
    if (found) {
      this.#delayMs = MIN_POLL_MS;
      this.#exponent = 1;
    } else if (this.#delayMs !== max) {
      const factor = 1 - RANDOMIZATION + Math.random() * 2 * RANDOMIZATION;
      const next = MIN_POLL_MS + factor * 2 ** (this.#exponent - 1) * MIN_POLL_MS;
      if (next < max) {
        this.#delayMs = next;
        this.#exponent++;
      } else {
        this.#delayMs = max;
      }
    }
    await this.#pause(this.#delayMs);
  }

  /** Waits `ms`, or until notify() or close(). */
  async #pause(ms: number): Promise<void> {
    if (this.#closed) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.#wake = undefined;
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    const { fn, queues, out } = this.#o;
    let popReceipt = message.popReceipt;
    try {
      if (message.dequeueCount > queues.maxDequeueCount) {
        await this.#moveToPoison(message, popReceipt);
        return;
      }
      // Keep the message hidden while the function runs: renew at half the lease.
      let renewing: Promise<void> = Promise.resolve();
      const renewEvery = Math.max(500, this.#o.leaseMs / 2);
      const renewal = setInterval(() => {
        renewing = renewing.then(async () => {
          try {
            const updated = await this.#queue.updateMessage(
              message.messageId,
              popReceipt,
              undefined,
              Math.ceil(this.#o.leaseMs / 1000),
            );
            popReceipt = updated.popReceipt ?? popReceipt;
          } catch (error) {
            hostLine(
              out,
              `Queue '${this.queueName}': could not renew message ${message.messageId}: ${firstLine(error)}`,
              "warning",
            );
          }
        });
      }, renewEvery);
      let outcome: { error?: unknown; undecodable?: true };
      try {
        outcome = await this.#invoke(message, popReceipt);
      } finally {
        clearInterval(renewal);
        await renewing;
      }
      if (outcome.undecodable) {
        // The extension's MessageDecodingFailed handler (QueueServiceClientProvider.CreateMessageDecodingFailedHandler)
        // copies the message to the poison queue and deletes it at once: no retries, whatever its dequeueCount.
        await this.#moveToPoison(message, popReceipt, "it is not base64, as messageEncoding base64 requires");
      } else if (outcome.error === undefined) {
        await this.#delete(message, popReceipt);
      } else if (message.dequeueCount >= queues.maxDequeueCount) {
        await this.#moveToPoison(message, popReceipt);
      } else {
        await this.#queue
          .updateMessage(
            message.messageId,
            popReceipt,
            undefined,
            Math.round(queues.visibilityTimeoutMs / 1000),
          )
          .catch((error: unknown) => {
            if (!isGone(error)) throw error;
          });
      }
    } catch (error) {
      hostLine(
        out,
        `Queue '${this.queueName}': message ${message.messageId} of ${fn.name}: ${firstLine(error)}`,
        "error",
      );
    }
  }

  async #invoke(
    message: DequeuedMessageItem,
    popReceipt: string,
  ): Promise<{ error?: unknown; undecodable?: true }> {
    const { fn, library, out, queues, writer } = this.#o;
    let text = message.messageText;
    if (queues.messageEncoding === "base64") {
      const compact = text.trim();
      if (!STRICT_BASE64.test(compact)) {
        hostLine(
          out,
          `Queue '${this.queueName}': message ${message.messageId} is not base64, as host.json messageEncoding "base64" requires; ${fn.name} is not run`,
          "error",
        );
        return { undecodable: true };
      }
      text = Buffer.from(compact, "base64").toString("utf8");
    }
    return invoke(library, out, {
      functionName: fn.name,
      bindings: fn.bindings,
      callback: fn.callback,
      input: tryJsonParse(text),
      reason: `New queue message detected on '${this.queueName}'.`,
      triggerMetadata: {
        id: message.messageId,
        queueTrigger: text,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn.toISOString(),
        expirationTime: message.expiresOn.toISOString(),
        nextVisibleTime: message.nextVisibleOn.toISOString(),
        popReceipt,
      },
      queueOutputs: queueOutputsOf(fn, writer),
      verbose: this.#o.verbose,
    });
  }

  async #delete(message: DequeuedMessageItem, popReceipt: string): Promise<void> {
    try {
      await this.#queue.deleteMessage(message.messageId, popReceipt);
    } catch (error) {
      if (!isGone(error)) throw error; // someone else took it over, or it is gone: theirs to delete
    }
  }

  async #moveToPoison(message: DequeuedMessageItem, popReceipt: string, why?: string): Promise<void> {
    const poisonName = `${this.queueName}-poison`;
    hostLine(
      this.#o.out,
      why
        ? `Message ${message.messageId} cannot be decoded (${why}). Moving message to queue '${poisonName}'.`
        : `Message has reached MaxDequeueCount of ${this.#o.queues.maxDequeueCount}. Moving message to queue '${poisonName}'.`,
      "warning",
    );
    await this.#poison.createIfNotExists();
    await this.#poison.sendMessage(message.messageText);
    await this.#delete(message, popReceipt);
  }
}
