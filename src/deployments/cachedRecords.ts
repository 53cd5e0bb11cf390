import { errorLine } from "../shared/errorLine";
import type { DeploymentRecord } from "./deploymentRecord";
import type { RecordStore } from "./recordStore";

export interface CachedRead {
  record: DeploymentRecord | undefined;
  /** True when storage could not be read and the answer is the last record this instance held. */
  stale: boolean;
}

interface Entry {
  record: DeploymentRecord | undefined;
  readAt: number;
  stale: boolean;
}

/**
 * The hot path's view of the records: a few seconds in memory, then one storage read per model, shared by
 * concurrent callers. A record already in memory is served at once while that read runs in the background
 * (stale-while-revalidate): a request never waits for storage when it has something to serve. When storage
 * fails, the last record held keeps serving (marked stale).
 */
export class CachedRecords {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<CachedRead>>();
  private storageError: { message: string; at: number } | undefined;

  constructor(
    private readonly store: RecordStore,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(model: string): Promise<CachedRead> {
    const entry = this.entries.get(model);
    if (entry && this.now() - entry.readAt < this.ttlMs) return { record: entry.record, stale: entry.stale };
    const reload = this.reload(model, entry);
    if (entry?.record) return { record: entry.record, stale: entry.stale };
    return reload;
  }

  /** One storage read per model at a time; its failure is noted, never thrown (load catches). */
  private reload(model: string, entry: Entry | undefined): Promise<CachedRead> {
    let pending = this.inflight.get(model);
    if (!pending) {
      pending = this.load(model, entry).finally(() => this.inflight.delete(model));
      this.inflight.set(model, pending);
    }
    return pending;
  }

  /** Writes through to storage; memory is updated even when storage fails, so this instance keeps serving. */
  async put(record: DeploymentRecord): Promise<void> {
    this.entries.set(record.model, { record, readAt: this.now(), stale: false });
    try {
      await this.store.write(record);
      this.storageError = undefined;
    } catch (error) {
      this.noteStorageError(error);
      throw error;
    }
  }

  /** What this instance holds in memory, whatever its age. */
  peek(model: string): DeploymentRecord | undefined {
    return this.entries.get(model)?.record;
  }

  /** The last storage failure, or undefined when the last storage call succeeded. */
  get lastStorageError(): { message: string; at: number } | undefined {
    return this.storageError;
  }

  /** One round trip to storage within `timeoutMs` (the store's own deadline when absent). */
  async checkStorage(timeoutMs?: number): Promise<boolean> {
    try {
      await this.store.ping(timeoutMs);
      this.storageError = undefined;
      return true;
    } catch (error) {
      this.noteStorageError(error);
      return false;
    }
  }

  private async load(model: string, previous: Entry | undefined): Promise<CachedRead> {
    try {
      const record = await this.store.read(model);
      this.storageError = undefined;
      // A put while the read was in flight is newer than what the read found.
      if (this.entries.get(model) !== previous) return this.held(model);
      this.entries.set(model, { record, readAt: this.now(), stale: false });
      return { record, stale: false };
    } catch (error) {
      this.noteStorageError(error);
      // Serve the last record for another TTL before asking storage again: a dead storage account must not
      // add its timeout to every request.
      const last = this.entries.get(model)?.record;
      this.entries.set(model, { record: last, readAt: this.now(), stale: true });
      return { record: last, stale: true };
    }
  }

  private held(model: string): CachedRead {
    const entry = this.entries.get(model);
    return { record: entry?.record, stale: entry?.stale ?? false };
  }

  private noteStorageError(error: unknown): void {
    this.storageError = { message: errorLine(error).slice(0, 200), at: this.now() };
  }
}
