import { QueueClient } from "@azure/storage-queue";

/** A client of one queue of the test's Azurite. */
export function queueClient(connectionString: string, name: string): QueueClient {
  return new QueueClient(connectionString, name);
}

/** Puts plain-text messages on a queue (created when missing); answers their ids in order. */
export async function enqueue(client: QueueClient, ...texts: string[]): Promise<string[]> {
  await client.createIfNotExists();
  const ids: string[] = [];
  for (const text of texts) ids.push((await client.sendMessage(text)).messageId);
  return ids;
}

/** Every message on a queue, read and deleted as it arrives; tests await what they expect instead of sleeping. */
export class QueueReader<T = unknown> {
  readonly messages: T[] = [];
  #stopped = false;
  readonly #loop: Promise<void>;
  #waiters = new Set<() => void>();

  constructor(
    private readonly client: QueueClient,
    private readonly parse: (text: string) => T = (text) => JSON.parse(text) as T,
  ) {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    await this.client.createIfNotExists();
    while (!this.#stopped) {
      const { receivedMessageItems } = await this.client.receiveMessages({
        numberOfMessages: 32,
        visibilityTimeout: 30,
      });
      for (const item of receivedMessageItems) {
        this.messages.push(this.parse(item.messageText));
        await this.client.deleteMessage(item.messageId, item.popReceipt);
      }
      for (const waiter of this.#waiters) waiter();
      if (receivedMessageItems.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Resolves once `predicate` holds for the messages read so far; rejects after `timeoutMs`. */
  waitFor(
    predicate: (messages: T[]) => boolean,
    timeoutMs = 20_000,
    what = "the expected messages",
  ): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate(this.messages)) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.messages);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `${what} did not arrive within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 2000)}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop.catch(() => undefined);
  }
}
