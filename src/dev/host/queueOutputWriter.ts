import type { QueueOutput } from "./functionTable";
import type { QueuesOptions } from "./queueOptions";
import type { QueueClients } from "./queueStorage";

/**
 * Writes what a function gave its queue output bindings once it succeeded, as the host does (nothing is written
 * for a failed invocation): an array is one message per element, a string or bytes go as they are, anything else
 * as JSON; encoded per `messageEncoding`. Then it wakes the app's own listener of that queue at once, as the
 * host's SharedQueueWatcher does for a queue a function of the same app wrote to.
 */
export class QueueOutputWriter {
  private readonly created = new Map<string, Promise<unknown>>();

  constructor(
    private readonly clients: QueueClients,
    private readonly options: Pick<QueuesOptions, "messageEncoding">,
    private readonly notify: (queueName: string) => void,
  ) {}

  async write(outputs: QueueOutput[], outputValue: (bindingName: string) => unknown): Promise<void> {
    for (const output of outputs) {
      const value = outputValue(output.bindingName);
      if (value === undefined || value === null) continue;
      const messages = Array.isArray(value) ? value : [value];
      if (messages.length === 0) continue;
      const client = this.clients.get(output.connection, output.queueName);
      const key = `${output.connection}\n${output.queueName}`;
      let ready = this.created.get(key);
      if (!ready) {
        ready = client.createIfNotExists().catch((error: unknown) => {
          this.created.delete(key);
          throw error;
        });
        this.created.set(key, ready);
      }
      await ready;
      for (const message of messages) await client.sendMessage(this.encode(message));
      this.notify(output.queueName);
    }
  }

  private encode(value: unknown): string {
    const text =
      typeof value === "string"
        ? value
        : value instanceof Uint8Array
          ? Buffer.from(value).toString("utf8")
          : JSON.stringify(value);
    return this.options.messageEncoding === "base64" ? Buffer.from(text, "utf8").toString("base64") : text;
  }
}

/** The invocation's queue outputs: the function's bindings and the writer (none without either). */
export function queueOutputsOf(fn: { queueOutputs: QueueOutput[] }, writer: QueueOutputWriter | undefined) {
  if (!writer || fn.queueOutputs.length === 0) return undefined;
  return {
    bindings: fn.queueOutputs,
    write: (bindings: QueueOutput[], outputValue: (name: string) => unknown) =>
      writer.write(bindings, outputValue),
  };
}
