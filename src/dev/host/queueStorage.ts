import type { QueueClient } from "@azure/storage-queue";
import { ConfigError } from "../../config/configError";
import { createQueueClient } from "../../config/queueClient";
import {
  missingEndpointError,
  type StorageConnection,
  storageConnectionFromEnv,
} from "../../config/storageConnection";

/**
 * The storage connection a binding names, read as the host reads it (src/config/storageConnection.ts holds the
 * host's rules, cited; test/dev/host/queueStorage.test.ts holds the dev host to them).
 */
export function bindingStorage(connection: string, env: NodeJS.ProcessEnv): StorageConnection {
  return storageConnectionFromEnv(env, connection);
}

/** One client per (connection, queue) of the app. */
export class QueueClients {
  private readonly clients = new Map<string, QueueClient>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Throws the ConfigError naming the missing setting when the connection gives no queue endpoint. */
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

/**
 * Why the host would not index a function whose queue trigger or queue output names `connections`: a connection
 * without a queue endpoint (or with a wrong setting) fails indexing ("Error indexing method 'Functions.<name>'"),
 * and the function does not run while the others do. Undefined when every connection gives a queue endpoint.
 */
export function queueIndexingError(connections: string[], env: NodeJS.ProcessEnv): string | undefined {
  for (const connection of new Set(connections)) {
    try {
      const missing = missingEndpointError(
        bindingStorage(connection, env),
        "queue",
        "storage queue bindings",
      );
      if (missing) return missing.message;
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
  }
  return undefined;
}
