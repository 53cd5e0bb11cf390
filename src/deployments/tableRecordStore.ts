import { createHash } from "node:crypto";
import { RestError, type TableClient } from "@azure/data-tables";
import { DEFAULT_STORAGE_TIMEOUT_MS } from "../config/settings";
import { createTableClient, type StorageConnection } from "../config/storageConnection";
import { withStorageDeadline } from "../storage/storageDeadline";
import type { DeploymentRecord } from "./deploymentRecord";
import type { RecordStore } from "./recordStore";

interface RecordEntity {
  partitionKey: string;
  rowKey: string;
  /** The AI Core instance (AI_API_URL) the record was read from. */
  instance: string;
  record: string;
}

/** What a record belongs to, besides its model name: the deployment it can name comes from here and nowhere else. */
export interface RecordScope {
  resourceGroup: string;
  scenarioId: string;
  executableId: string;
}

export interface TableRecordStoreOptions {
  tableName?: string;
  /** Budget of each operation (table creation and retries included): STORAGE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** The AI Core instance of this relay (its service key's AI_API_URL). */
  aiApiUrl: string;
  /** The catalog's resource group, scenario and executable of a model (undefined: not a catalog model). */
  scopeOf: (model: string) => RecordScope | undefined;
}

/**
 * The partition of a model's records: a hash of (AI Core instance, resource group, scenario, executable), so that
 * relays and apps sharing a storage account (dev and prod AI Core instances, another catalog) never read each
 * other's records, and writes spread over partitions. The row is the model's name.
 */
export function recordPartition(aiApiUrl: string, scope: RecordScope): string {
  return createHash("sha256")
    .update([aiApiUrl, scope.resourceGroup, scope.scenarioId, scope.executableId].join("\n"))
    .digest("hex")
    .slice(0, 32);
}

function sameScope(record: DeploymentRecord, scope: RecordScope): boolean {
  return (
    record.resourceGroup === scope.resourceGroup &&
    record.scenarioId === scope.scenarioId &&
    record.executableId === scope.executableId
  );
}

/**
 * Table `deployments`: partition = the model's scope (see recordPartition), row = model, the record as JSON. A row
 * whose instance or scope is not this relay's (a hash collision, a hand-edited row) reads as no record: a record
 * from another AI Core instance is never served.
 */
export class TableRecordStore implements RecordStore {
  private readonly table: TableClient;
  private readonly timeoutMs: number;
  private readonly aiApiUrl: string;
  private readonly scopeOf: (model: string) => RecordScope | undefined;
  private ready: Promise<void> | undefined;

  constructor(storage: StorageConnection, options: TableRecordStoreOptions) {
    this.table = createTableClient(storage, options.tableName ?? "deployments", {
      retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS;
    this.aiApiUrl = options.aiApiUrl;
    this.scopeOf = options.scopeOf;
  }

  read(model: string, timeoutMs = this.timeoutMs): Promise<DeploymentRecord | undefined> {
    // No table yet reads as no record (404 either way): only a write creates it, so a cold start pays no create.
    return withStorageDeadline(timeoutMs, "read a deployment record", async (abortSignal) => {
      try {
        const entity = await this.table.getEntity<RecordEntity>(this.partitionOf(model), model, {
          abortSignal,
        });
        const record = JSON.parse(entity.record) as DeploymentRecord;
        const scope = this.scopeOf(model);
        if (entity.instance !== this.aiApiUrl || !scope || !sameScope(record, scope)) return undefined;
        return record;
      } catch (error) {
        if (error instanceof RestError && error.statusCode === 404) return undefined;
        throw error;
      }
    });
  }

  write(record: DeploymentRecord): Promise<void> {
    const entity: RecordEntity = {
      partitionKey: recordPartition(this.aiApiUrl, record),
      rowKey: record.model,
      instance: this.aiApiUrl,
      record: JSON.stringify(record),
    };
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

  /** A model outside the catalog (the health probe) reads from a partition no record is written to. */
  private partitionOf(model: string): string {
    const scope = this.scopeOf(model);
    return scope ? recordPartition(this.aiApiUrl, scope) : "no-scope";
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
