import type { MessageEncoding } from "../config/hostQueues";
import { createQueueClient } from "../config/queueClient";
import { DEFAULT_STORAGE_TIMEOUT_MS } from "../config/settings";
import type { StorageConnection } from "../config/storageConnection";
import { LazyQueue } from "../storage/lazyQueue";
import type { CallbackProgress, CallbackQueue, CallbackTask } from "./callbackDelivery";

/**
 * The callback queue on Azure Storage: each attempt is a message that becomes visible after its delay (the queue,
 * not a timer in some instance, holds the schedule, so it survives restarts and scale-out); a task out of
 * attempts goes to `{queue}-poison`, the name the host gives its own poison queue. Messages never expire: a
 * Retry-After may push an attempt past the default time-to-live of 7 days.
 */
export class StorageCallbackQueue implements CallbackQueue {
  private readonly tasks: LazyQueue;
  private readonly poison: LazyQueue;

  constructor(
    storage: StorageConnection,
    names: { queueName: string; poisonQueueName: string },
    timeoutMs = DEFAULT_STORAGE_TIMEOUT_MS,
    /** host.json `messageEncoding`: the host's trigger decodes the callback queue with it. */
    encoding: MessageEncoding = "base64",
  ) {
    this.tasks = new LazyQueue(() => createQueueClient(storage, names.queueName), timeoutMs, encoding);
    this.poison = new LazyQueue(() => createQueueClient(storage, names.poisonQueueName), timeoutMs, encoding);
  }

  async schedule(task: CallbackTask, delayMs: number): Promise<void> {
    await this.tasks.send(JSON.stringify(task), {
      delaySeconds: Math.ceil(delayMs / 1000),
      timeToLiveSeconds: -1,
    });
  }

  async deadLetter(task: CallbackTask, progress: CallbackProgress): Promise<void> {
    await this.poison.send(JSON.stringify({ ...task, ...progress }), { timeToLiveSeconds: -1 });
  }
}
