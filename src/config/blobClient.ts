import type { ContainerClient, StoragePipelineOptions } from "@azure/storage-blob";
import { createStorageCredential, type StorageConnection } from "./storageConnection";

type BlobModule = typeof import("@azure/storage-blob");

/**
 * A client of one blob container of the relay's storage account (`AzureWebJobsStorage`, or its identity-based
 * form). The SDK is loaded on first use: only a result too large for a queue message needs it.
 */
export async function createContainerClient(
  connection: StorageConnection,
  containerName: string,
  options: StoragePipelineOptions = {},
): Promise<ContainerClient> {
  // The module as this CommonJS build requires it (the import expression's types are the package's ESM ones).
  const { ContainerClient } = (await import("@azure/storage-blob")) as unknown as BlobModule;
  if (connection.kind === "connectionString") {
    return new ContainerClient(connection.connectionString, containerName, options);
  }
  if (!connection.blobServiceUrl) {
    throw new Error("the storage connection names no blob service (AzureWebJobsStorage__blobServiceUri)");
  }
  return new ContainerClient(
    `${connection.blobServiceUrl}/${containerName}`,
    createStorageCredential(connection.credential),
    options,
  );
}
