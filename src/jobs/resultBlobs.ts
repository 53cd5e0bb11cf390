import type { ContainerClient } from "@azure/storage-blob";
import { createContainerClient } from "../config/blobClient";
import { DEFAULT_STORAGE_TIMEOUT_MS } from "../config/settings";
import type { StorageConnection } from "../config/storageConnection";

/** A transfer of a whole result (up to MAX_UPSTREAM_BYTES and more) gets this many storage timeouts. */
const TRANSFER_TIMEOUTS = 5;

/**
 * The claim check's store: whole result CloudEvents too large for a queue message, one blob per job in the app's
 * storage account (container `RESULTS_CONTAINER`). Blobs are named by the result's CloudEvent id, so a result
 * stored again after a crash overwrites itself.
 */
export class ResultBlobs {
  private container: Promise<ContainerClient> | undefined;

  constructor(
    private readonly storage: StorageConnection,
    private readonly containerName: string,
    private readonly timeoutMs = DEFAULT_STORAGE_TIMEOUT_MS,
  ) {}

  private client(): Promise<ContainerClient> {
    this.container ??= (async () => {
      const client = await createContainerClient(this.storage, this.containerName);
      await client.createIfNotExists({ abortSignal: AbortSignal.timeout(this.timeoutMs) });
      return client;
    })().catch((error: unknown) => {
      this.container = undefined;
      throw error;
    });
    return this.container;
  }

  async put(name: string, body: Buffer): Promise<void> {
    const blob = (await this.client()).getBlockBlobClient(name);
    await blob.upload(body, body.byteLength, {
      abortSignal: AbortSignal.timeout(this.timeoutMs * TRANSFER_TIMEOUTS),
      blobHTTPHeaders: { blobContentType: "application/cloudevents+json" },
    });
  }

  /** The stored bytes, or undefined when there is no such blob (deleted, or never stored). */
  async get(name: string): Promise<Buffer | undefined> {
    const blob = (await this.client()).getBlockBlobClient(name);
    try {
      return await blob.downloadToBuffer(0, undefined, {
        abortSignal: AbortSignal.timeout(this.timeoutMs * TRANSFER_TIMEOUTS),
      });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /**
   * Deletes the results stored before `cutoff` that `keep` does not keep (a record still alive, e.g. one whose
   * callback is pending, still needs its result); answers how many.
   */
  async purgeOlderThan(cutoff: Date, keep: (name: string) => Promise<boolean>): Promise<number> {
    const container = await this.client();
    let purged = 0;
    for await (const blob of container.listBlobsFlat()) {
      const modified = blob.properties.lastModified;
      if (!modified || modified >= cutoff || (await keep(blob.name))) continue;
      await container.deleteBlob(blob.name, { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      purged++;
    }
    return purged;
  }
}
