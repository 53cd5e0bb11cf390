import { QueueClient, type StoragePipelineOptions } from "@azure/storage-queue";
import {
  createStorageCredential,
  requireEndpoint,
  SERVICE_USERS,
  type StorageConnection,
} from "./storageConnection";

/**
 * A client of one queue of a storage connection. An identity-based connection without a queue endpoint throws the
 * ConfigError naming the missing setting (`AzureWebJobsStorage__queueServiceUri`), as the host fails to index a
 * queue function then: the queue URL is never derived from the blob or table URL.
 */
export function createQueueClient(
  connection: StorageConnection,
  queueName: string,
  options: StoragePipelineOptions = {},
): QueueClient {
  if (connection.kind === "connectionString") {
    return new QueueClient(connection.connectionString, queueName, options);
  }
  const endpoint = requireEndpoint(connection, "queue", SERVICE_USERS.queue);
  return new QueueClient(`${endpoint}/${queueName}`, createStorageCredential(connection.credential), options);
}
