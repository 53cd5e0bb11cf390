import { RestError, type TableClient } from "@azure/data-tables";
import { DEFAULT_STORAGE_TIMEOUT_MS } from "../config/settings";
import { createTableClient, type StorageConnection } from "../config/storageConnection";
import { withStorageDeadline } from "../storage/storageDeadline";
import type { DeploymentRecord } from "./deploymentRecord";
import type { RecordStore } from "./recordStore";

const ROW_KEY = "current";

interface RecordEntity {
  partitionKey: string;
  rowKey: string;
  record: string;
}

export interface TableRecordStoreOptions {
  tableName?: string;
  /** Budget of each operation (table creation and retries included): STORAGE_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Table `deployments`, partition = model, one row per model: the record as JSON. */
export class TableRecordStore implements RecordStore {
  private readonly table: TableClient;
  private readonly timeoutMs: number;
  private ready: Promise<void> | undefined;

  constructor(storage: StorageConnection, options: TableRecordStoreOptions = {}) {
    this.table = createTableClient(storage, options.tableName ?? "deployments", {
      retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS;
  }

  read(model: string, timeoutMs = this.timeoutMs): Promise<DeploymentRecord | undefined> {
    // No table yet reads as no record (404 either way): only a write creates it, so a cold start pays no create.
    return withStorageDeadline(timeoutMs, "read a deployment record", async (abortSignal) => {
      try {
        const entity = await this.table.getEntity<RecordEntity>(model, ROW_KEY, { abortSignal });
        return JSON.parse(entity.record) as DeploymentRecord;
      } catch (error) {
        if (error instanceof RestError && error.statusCode === 404) return undefined;
        throw error;
      }
    });
  }

  write(record: DeploymentRecord): Promise<void> {
    const entity = { partitionKey: record.model, rowKey: ROW_KEY, record: JSON.stringify(record) };
    return withStorageDeadline(this.timeoutMs, "write a deployment record", async (abortSignal) => {
      try {
        await this.table.upsertEntity<RecordEntity>(entity, "Replace", { abortSignal });
      } catch (error) {
        // The first write to a new storage account: create the table, then write once more.
        if (!(error instanceof RestError && error.statusCode === 404)) throw error;
        await this.ensureTable(abortSignal);
        await this.table.upsertEntity<RecordEntity>(entity, "Replace", { abortSignal });
      }
    });
  }

  async ping(timeoutMs = this.timeoutMs): Promise<void> {
    await this.read("health-probe", timeoutMs);
  }

  /** Creates the table once per instance; a failure (or the caller's deadline) is retried on the next call. */
  private ensureTable(abortSignal: AbortSignal): Promise<void> {
    this.ready ??= this.table.createTable({ abortSignal }).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
