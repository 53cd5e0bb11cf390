import { odata, RestError, type TableClient, type TransactionAction } from "@azure/data-tables";
import { createTableClient, type StorageConnection } from "../config/storageConnection";
import type { Claim, ClaimResult, DeliveryKey, DeliveryStore, RecordedResponse } from "./deliveryStore";

/** Bytes per Binary property (the service's limit is 64 KiB) and properties per answer: about 900 KB in all. */
const CHUNK_BYTES = 60_000;
const MAX_CHUNKS = 15;
/** A claim lost this many times in a row to concurrent writers answers in-progress rather than looping on. */
const MAX_ATTEMPTS = 4;
/** Operations in one entity-group transaction: the service's limit. */
const TRANSACTION_LIMIT = 100;

interface DeliveryEntity {
  partitionKey: string;
  rowKey: string;
  source: string;
  deliveryId: string;
  bodyHash: string;
  state: "in-progress" | "done";
  claimedAt: Date;
  expiresAt: Date;
  status?: number;
  headers?: string;
  chunks?: number;
  [chunk: `body${number}`]: Uint8Array | undefined;
}

export interface TableDeliveryStoreOptions {
  /** How long a record is honoured. */
  ttlMs: number;
  /** An in-progress claim older than this was abandoned (its instance crashed) and may be claimed again. */
  abandonAfterMs?: number;
  tableName?: string;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

/** De-duplication records in Table storage (`webhookdeliveries`); insert-if-absent is the arbiter. */
export class TableDeliveryStore implements DeliveryStore {
  private readonly table: TableClient;
  private readonly ttlMs: number;
  private readonly abandonAfterMs: number;
  private ready: Promise<void> | undefined;

  constructor(storage: StorageConnection, options: TableDeliveryStoreOptions) {
    this.table = createTableClient(storage, options.tableName ?? "webhookdeliveries", {
      retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    });
    this.ttlMs = options.ttlMs;
    this.abandonAfterMs = options.abandonAfterMs ?? 5 * 60_000;
  }

  async claim(key: DeliveryKey, bodyHash: string, now: Date): Promise<ClaimResult> {
    await this.ensureTable();
    const fresh: DeliveryEntity = {
      partitionKey: key.partitionKey,
      rowKey: key.rowKey,
      source: key.source,
      deliveryId: key.deliveryId.slice(0, 1000),
      bodyHash,
      state: "in-progress",
      claimedAt: now,
      expiresAt: new Date(now.getTime() + this.ttlMs),
    };
    let existing: (DeliveryEntity & { etag: string }) | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        const created = await this.table.createEntity(fresh);
        return { outcome: "claimed", claim: { key, bodyHash, etag: created.etag ?? "*" } };
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      existing = await this.read(key);
      if (!existing) continue; // released between our insert and our read: insert again
      const expired = existing.expiresAt.getTime() <= now.getTime();
      const abandoned =
        existing.state === "in-progress" &&
        existing.claimedAt.getTime() + this.abandonAfterMs <= now.getTime();
      if (expired || abandoned) {
        try {
          const replaced = await this.table.updateEntity(fresh, "Replace", { etag: existing.etag });
          return { outcome: "claimed", claim: { key, bodyHash, etag: replaced.etag ?? "*" } };
        } catch (error) {
          const status = statusOf(error);
          if (status !== 412 && status !== 404) throw error;
          continue; // another instance took it over first: look again
        }
      }
      if (existing.bodyHash !== bodyHash) return { outcome: "body-mismatch" };
      if (existing.state === "done") return { outcome: "done", response: responseOf(existing) };
      return { outcome: "in-progress", claimedAt: existing.claimedAt };
    }
    return { outcome: "in-progress", claimedAt: existing?.claimedAt ?? now };
  }

  async complete(claim: Claim, response: RecordedResponse, now: Date): Promise<boolean> {
    const chunks = Math.ceil(response.body.byteLength / CHUNK_BYTES);
    if (chunks > MAX_CHUNKS) {
      await this.release(claim);
      return false;
    }
    const entity: DeliveryEntity = {
      partitionKey: claim.key.partitionKey,
      rowKey: claim.key.rowKey,
      source: claim.key.source,
      deliveryId: claim.key.deliveryId.slice(0, 1000),
      bodyHash: claim.bodyHash,
      state: "done",
      claimedAt: now,
      expiresAt: new Date(now.getTime() + this.ttlMs),
      status: response.status,
      headers: JSON.stringify(response.headers),
      chunks,
    };
    for (let i = 0; i < chunks; i++) {
      entity[`body${i}`] = response.body.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
    }
    try {
      await this.table.updateEntity(entity, "Replace", { etag: claim.etag });
      return true;
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) return false;
      throw error;
    }
  }

  async release(claim: Claim): Promise<void> {
    try {
      await this.table.deleteEntity(claim.key.partitionKey, claim.key.rowKey, { etag: claim.etag });
    } catch (error) {
      const status = statusOf(error);
      if (status !== 412 && status !== 404) throw error;
    }
  }

  async purgeExpired(now: Date): Promise<number> {
    await this.ensureTable();
    const expired = this.table.listEntities<{ partitionKey: string; rowKey: string }>({
      queryOptions: { filter: odata`expiresAt lt ${now}`, select: ["PartitionKey", "RowKey"] },
    });
    // A transaction holds one partition and at most 100 operations: delete in such groups.
    const pending = new Map<string, TransactionAction[]>();
    let deleted = 0;
    const flush = async (partition: string) => {
      const actions = pending.get(partition) ?? [];
      pending.delete(partition);
      if (actions.length > 0) await this.table.submitTransaction(actions);
      deleted += actions.length;
    };
    for await (const entity of expired) {
      const actions = pending.get(entity.partitionKey) ?? [];
      actions.push(["delete", { partitionKey: entity.partitionKey, rowKey: entity.rowKey }]);
      pending.set(entity.partitionKey, actions);
      if (actions.length === TRANSACTION_LIMIT) await flush(entity.partitionKey);
    }
    for (const partition of [...pending.keys()]) await flush(partition);
    return deleted;
  }

  private async read(key: DeliveryKey): Promise<(DeliveryEntity & { etag: string }) | undefined> {
    try {
      return await this.table.getEntity<DeliveryEntity>(key.partitionKey, key.rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Creates the table once per instance; a failure is retried on the next call. */
  private ensureTable(): Promise<void> {
    this.ready ??= this.table.createTable().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}

function responseOf(entity: DeliveryEntity): RecordedResponse {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < (entity.chunks ?? 0); i++) {
    const part = entity[`body${i}`];
    if (part) parts.push(part);
  }
  return {
    status: entity.status ?? 200,
    headers: JSON.parse(entity.headers ?? "{}") as Record<string, string>,
    body: Buffer.concat(parts),
  };
}
