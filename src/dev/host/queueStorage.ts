import type { QueueClient } from "@azure/storage-queue";
import { createQueueClient } from "../../config/queueClient";
import { type StorageConnection, storageConnectionFromEnv } from "../../config/storageConnection";

/**
 * The storage connection a binding names, read as the host reads it: the app setting `<connection>` as a
 * connection string, or its identity-based form `<connection>__queueServiceUri` / `__accountName` / ...
 */
export function bindingStorage(connection: string, env: NodeJS.ProcessEnv): StorageConnection {
  const view: NodeJS.ProcessEnv = {};
  const prefix = `${connection}__`;
  for (const [name, value] of Object.entries(env)) {
    if (name === connection) view.AzureWebJobsStorage = value;
    else if (name.startsWith(prefix)) view[`AzureWebJobsStorage__${name.slice(prefix.length)}`] = value;
  }
  if (env.WEBSITE_INSTANCE_ID) view.WEBSITE_INSTANCE_ID = env.WEBSITE_INSTANCE_ID;
  return storageConnectionFromEnv(view);
}

/** One client per (connection, queue) of the app. */
export class QueueClients {
  private readonly clients = new Map<string, QueueClient>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  get(connection: string, queueName: string): QueueClient {
    const key = `${connection}\n${queueName}`;
    let client = this.clients.get(key);
    if (!client) {
      client = createQueueClient(bindingStorage(connection, this.env), queueName, {
        retryOptions: { maxTries: 2, tryTimeoutInMs: 30_000 },
      });
      this.clients.set(key, client);
    }
    return client;
  }
}
