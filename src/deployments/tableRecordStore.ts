import { RestError, type TableClient } from "@azure/data-tables";
import { createTableClient, type StorageConnection } from "../config/storageConnection";
import type { DeploymentRecord } from "./deploymentRecord";
import type { RecordStore } from "./recordStore";

const ROW_KEY = "current";

interface RecordEntity {
  partitionKey: string;
  rowKey: string;
  record: string;
}

/** Table `deployments`, partition = model, one row per model: the record as JSON. */
export class TableRecordStore implements RecordStore {
  private readonly table: TableClient;
  private ready: Promise<void> | undefined;

  constructor(storage: StorageConnection, tableName = "deployments") {
    this.table = createTableClient(storage, tableName, {
      retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    });
  }

  async read(model: string): Promise<DeploymentRecord | undefined> {
    await this.ensureTable();
    try {
      const entity = await this.table.getEntity<RecordEntity>(model, ROW_KEY);
      return JSON.parse(entity.record) as DeploymentRecord;
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  async write(record: DeploymentRecord): Promise<void> {
    await this.ensureTable();
    await this.table.upsertEntity<RecordEntity>(
      { partitionKey: record.model, rowKey: ROW_KEY, record: JSON.stringify(record) },
      "Replace",
    );
  }

  async ping(): Promise<void> {
    await this.read("health-probe");
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
