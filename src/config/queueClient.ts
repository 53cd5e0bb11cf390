import { QueueClient, type StoragePipelineOptions } from "@azure/storage-queue";
import { createStorageCredential, type StorageConnection } from "./storageConnection";

/** A client of one queue of the relay's storage account (`AzureWebJobsStorage`, or its identity-based form). */
export function createQueueClient(
  connection: StorageConnection,
  queueName: string,
  options: StoragePipelineOptions = {},
): QueueClient {
  if (connection.kind === "connectionString") {
    return new QueueClient(connection.connectionString, queueName, options);
  }
  return new QueueClient(
    `${connection.queueServiceUrl}/${queueName}`,
    createStorageCredential(connection.credential),
    options,
  );
}
