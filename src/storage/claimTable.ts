import { createHash } from "node:crypto";
import { odata, RestError, type TableClient, type TransactionAction } from "@azure/data-tables";
import { DEFAULT_STORAGE_TIMEOUT_MS } from "../config/settings";
import { createTableClient, type StorageConnection } from "../config/storageConnection";
import { fitsOneEntity } from "./entitySize";
import { withStorageDeadline } from "./storageDeadline";

/**
 * Records that decide, across instances, who does a piece of work once: webhook deliveries and scoring jobs.
 * Table storage lets exactly one insert of a row win, and an update conditioned on the row's ETag fail when someone
 * else changed it first; both together are the arbiter. The row key is a hash of the work's id and the partition
 * key its first hex digits, so writes spread over 256 partitions whatever the ids look like (DESIGN §8).
 */
export interface ClaimKey {
  partitionKey: string;
  rowKey: string;
}

/** `queued`: known, waiting (a job accepted but not yet taken); `in-progress`: claimed; `done`: its result recorded. */
export type ClaimState = "queued" | "in-progress" | "done";

export type FieldValue = string | number | boolean | Date;
export type Fields = Record<string, FieldValue>;

/** One stored record: its state, the caller's fields and the recorded payload (bytes). */
export interface StoredClaim {
  key: ClaimKey;
  state: ClaimState;
  bodyHash: string;
  claimedAt: Date;
  expiresAt: Date;
  fields: Fields;
  payload: Buffer;
  etag: string;
}

/** Work this instance holds; `etag` proves the claim is still its own when it is completed or given back. */
export interface Claim {
  key: ClaimKey;
  bodyHash: string;
  etag: string;
}

export type ClaimOutcome =
  | { outcome: "claimed"; claim: Claim; previous?: StoredClaim }
  | { outcome: "done"; record: StoredClaim }
  | { outcome: "in-progress"; record: StoredClaim }
  | { outcome: "body-mismatch"; record: StoredClaim };

export interface ClaimTableOptions {
  tableName: string;
  /** How long a record is honoured. */
  ttlMs: number;
  /** An in-progress claim older than this was abandoned (its instance crashed) and may be claimed again. */
  abandonAfterMs: number;
  /** Budget of each operation (a claim with its reads and retries, a completion, a release): STORAGE_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** Hex digits of the hash that form the partition key: 256 partitions spread the writes. */
const PARTITION_PREFIX = 2;
/** Bytes per Binary property (the service's limit is 64 KiB). */
const CHUNK_BYTES = 60_000;
/**
 * The largest payload recorded: base64 on the wire it is 1,000,000 bytes, which with the record's other fields
 * stays inside the 1 MiB that Azure and Azurite take (see entitySize.ts); each record is also checked whole.
 */
export const MAX_PAYLOAD_BYTES = 750_000;
/** A claim lost this many times in a row to concurrent writers answers in-progress rather than looping on. */
const MAX_ATTEMPTS = 4;
/** Operations in one entity-group transaction: the service's limit. */
const TRANSACTION_LIMIT = 100;
/** Property names the table itself uses; the caller's fields never take them. */
const OWN = new Set([
  "partitionKey",
  "rowKey",
  "etag",
  "timestamp",
  "bodyHash",
  "state",
  "claimedAt",
  "expiresAt",
]);

type Entity = Record<string, unknown> & { partitionKey: string; rowKey: string };

/** The key of a piece of work named by `parts` (e.g. source and delivery id). */
export function claimKey(...parts: string[]): ClaimKey {
  const hash = createHash("sha256").update(parts.join("\n")).digest("hex");
  return { partitionKey: hash.slice(0, PARTITION_PREFIX), rowKey: hash };
}

/** The key of the record whose row key this is (the partition is the row key's prefix). */
export function claimKeyOfRow(rowKey: string): ClaimKey {
  return { partitionKey: rowKey.slice(0, PARTITION_PREFIX), rowKey };
}

export function hashBody(body: Uint8Array | string): string {
  return createHash("sha256").update(body).digest("base64url");
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

function lostRace(error: unknown): boolean {
  const status = statusOf(error);
  return status === 412 || status === 404;
}

function toStored(entity: Entity & { etag: string }): StoredClaim {
  const fields: Fields = {};
  const parts: Uint8Array[] = [];
  for (const [name, value] of Object.entries(entity)) {
    if (OWN.has(name) || name === "chunks" || /^body\d+$/.test(name) || name.startsWith("odata")) continue;
    if (["string", "number", "boolean"].includes(typeof value) || value instanceof Date) {
      fields[name] = value as FieldValue;
    }
  }
  for (let i = 0; i < Number(entity.chunks ?? 0); i++) {
    const part = entity[`body${i}`];
    if (part instanceof Uint8Array) parts.push(part);
  }
  return {
    key: { partitionKey: entity.partitionKey, rowKey: entity.rowKey },
    state: entity.state as ClaimState,
    bodyHash: String(entity.bodyHash ?? ""),
    claimedAt: entity.claimedAt as Date,
    expiresAt: entity.expiresAt as Date,
    fields,
    payload: Buffer.concat(parts),
    etag: entity.etag,
  };
}

/** Claim records in one table. Table storage has no TTL: expired rows are ignored, overwritten, and purged. */
export class ClaimTable {
  private readonly table: TableClient;
  private ready: Promise<void> | undefined;

  constructor(
    storage: StorageConnection,
    private readonly options: ClaimTableOptions,
  ) {
    this.table = createTableClient(storage, options.tableName, {
      retryOptions: { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
    });
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  /** One operation, however many round trips, under the storage deadline; every call gets its abort signal. */
  private within<T>(what: string, operation: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return withStorageDeadline(this.options.timeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS, what, operation);
  }

  /**
   * Inserts the record as `queued` unless one exists (a live one: an expired one is replaced). Answers undefined
   * when it was inserted, else what exists.
   */
  enqueue(key: ClaimKey, bodyHash: string, now: Date, fields: Fields): Promise<StoredClaim | undefined> {
    return this.within("enqueue a record", (abortSignal) =>
      this.enqueueWithin(key, bodyHash, now, fields, abortSignal),
    );
  }

  private async enqueueWithin(
    key: ClaimKey,
    bodyHash: string,
    now: Date,
    fields: Fields,
    abortSignal: AbortSignal,
  ): Promise<StoredClaim | undefined> {
    await this.ensureTable(abortSignal);
    const entity = this.entity(key, "queued", bodyHash, now, fields);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.table.createEntity(entity, { abortSignal });
        return undefined;
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      const existing = await this.read(key, abortSignal);
      if (!existing) continue;
      if (existing.expiresAt.getTime() > now.getTime()) return existing;
      try {
        await this.table.updateEntity(entity, "Replace", { etag: existing.etag, abortSignal });
        return undefined;
      } catch (error) {
        if (!lostRace(error)) throw error;
      }
    }
    const settled = await this.read(key, abortSignal);
    if (settled) return settled;
    throw new Error("the record could not be inserted: it kept changing");
  }

  /**
   * Claims the work: an insert when no record exists; a conditional replace when the record is queued, expired,
   * abandoned, or `takeOver` says its holder is gone. `fields` receives what was there before (to carry over).
   */
  claim(
    key: ClaimKey,
    bodyHash: string,
    now: Date,
    fields: (previous: StoredClaim | undefined) => Fields,
    takeOver: (existing: StoredClaim) => boolean = () => false,
  ): Promise<ClaimOutcome> {
    return this.within("claim a record", (abortSignal) =>
      this.claimWithin(key, bodyHash, now, fields, takeOver, abortSignal),
    );
  }

  private async claimWithin(
    key: ClaimKey,
    bodyHash: string,
    now: Date,
    fields: (previous: StoredClaim | undefined) => Fields,
    takeOver: (existing: StoredClaim) => boolean,
    abortSignal: AbortSignal,
  ): Promise<ClaimOutcome> {
    await this.ensureTable(abortSignal);
    let existing: StoredClaim | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        const created = await this.table.createEntity(
          this.entity(key, "in-progress", bodyHash, now, fields(undefined)),
          { abortSignal },
        );
        return { outcome: "claimed", claim: { key, bodyHash, etag: created.etag ?? "*" } };
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      existing = await this.read(key, abortSignal);
      if (!existing) continue; // released between our insert and our read: insert again
      const expired = existing.expiresAt.getTime() <= now.getTime();
      const abandoned =
        existing.state === "in-progress" &&
        (existing.claimedAt.getTime() + this.options.abandonAfterMs <= now.getTime() || takeOver(existing));
      const free = expired || abandoned;
      if (!free && existing.bodyHash !== bodyHash) return { outcome: "body-mismatch", record: existing };
      if (!free && existing.state === "done") return { outcome: "done", record: existing };
      if (free || existing.state === "queued") {
        const previous = expired ? undefined : existing;
        try {
          const replaced = await this.table.updateEntity(
            this.entity(key, "in-progress", bodyHash, now, fields(previous)),
            "Replace",
            { etag: existing.etag, abortSignal },
          );
          return { outcome: "claimed", claim: { key, bodyHash, etag: replaced.etag ?? "*" }, previous };
        } catch (error) {
          if (!lostRace(error)) throw error;
          continue; // another instance took it over first: look again
        }
      }
      return { outcome: "in-progress", record: existing };
    }
    if (existing) return { outcome: "in-progress", record: existing };
    throw new Error("the record could not be claimed: it kept changing");
  }

  /** Records the result; false when it could not be (the claim was taken over, or the payload is too large). */
  async complete(
    claim: Claim,
    fields: Fields,
    payload: Uint8Array,
    now: Date,
    /** Kept at least this long, whatever the table's TTL (a record that has work left, like a callback). */
    keepUntil?: Date,
  ): Promise<boolean> {
    if (payload.byteLength > MAX_PAYLOAD_BYTES) return false;
    const entity = this.entity(claim.key, "done", claim.bodyHash, now, fields, payload);
    if (keepUntil && keepUntil > (entity.expiresAt as Date)) entity.expiresAt = keepUntil;
    if (!fitsOneEntity(entity)) return false;
    return this.within("record a result", (abortSignal) => this.replace(claim, entity, abortSignal));
  }

  /** Gives the work back as `queued` (kept, e.g. for a retry that comes later); false when no longer ours. */
  requeue(claim: Claim, fields: Fields, now: Date): Promise<boolean> {
    const entity = this.entity(claim.key, "queued", claim.bodyHash, now, fields);
    return this.within("requeue a record", (abortSignal) => this.replace(claim, entity, abortSignal));
  }

  /** Forgets the claim, so that the next copy of the work is done again. */
  release(claim: Claim): Promise<void> {
    return this.within("release a claim", async (abortSignal) => {
      try {
        await this.table.deleteEntity(claim.key.partitionKey, claim.key.rowKey, {
          etag: claim.etag,
          abortSignal,
        });
      } catch (error) {
        if (!lostRace(error)) throw error;
      }
    });
  }

  /**
   * Merges `fields` into the record as it was read (`etag`), leaving its state and payload as they are, and its
   * expiry unless `expiresAt` is given; false when the record changed or went away meanwhile (read it again and decide again).
   */
  mergeFields(key: ClaimKey, etag: string, fields: Fields, expiresAt?: Date): Promise<boolean> {
    const entity: Entity = { partitionKey: key.partitionKey, rowKey: key.rowKey };
    for (const [name, value] of Object.entries(fields)) if (!OWN.has(name)) entity[name] = value;
    // A later expiry only: a record is never cut shorter than it was written.
    if (expiresAt) entity.expiresAt = expiresAt;
    return this.within("update a record", async (abortSignal) => {
      try {
        await this.table.updateEntity(entity, "Merge", { etag, abortSignal });
        return true;
      } catch (error) {
        if (lostRace(error)) return false;
        throw error;
      }
    });
  }

  /** The live record of this key, or undefined (none, or expired). */
  get(key: ClaimKey, now: Date): Promise<StoredClaim | undefined> {
    return this.within("read a record", async (abortSignal) => {
      await this.ensureTable(abortSignal);
      const record = await this.read(key, abortSignal);
      return record && record.expiresAt.getTime() > now.getTime() ? record : undefined;
    });
  }

  /**
   * Deletes records whose expiry has passed; returns how many. Each page of the listing and each transaction has
   * its own deadline: the purge as a whole may take long.
   */
  async purgeExpired(now: Date): Promise<number> {
    await this.within("create the table", (abortSignal) => this.ensureTable(abortSignal));
    const listing = new AbortController();
    const pages = this.table
      .listEntities<{ partitionKey: string; rowKey: string }>({
        queryOptions: { filter: odata`expiresAt lt ${now}`, select: ["PartitionKey", "RowKey"] },
        abortSignal: listing.signal,
      })
      .byPage({ maxPageSize: 1000 });
    const nextPage = () =>
      this.within("list expired records", (abortSignal) => {
        abortSignal.addEventListener("abort", () => listing.abort(abortSignal.reason), { once: true });
        return pages.next();
      });
    // A transaction holds one partition and at most 100 operations: delete in such groups.
    const pending = new Map<string, TransactionAction[]>();
    let deleted = 0;
    const flush = async (partition: string) => {
      const actions = pending.get(partition) ?? [];
      pending.delete(partition);
      if (actions.length > 0) {
        await this.within("delete expired records", (abortSignal) =>
          this.table.submitTransaction(actions, { abortSignal }),
        );
      }
      deleted += actions.length;
    };
    for (let page = await nextPage(); !page.done; page = await nextPage()) {
      for (const entity of page.value) {
        const actions = pending.get(entity.partitionKey) ?? [];
        actions.push(["delete", { partitionKey: entity.partitionKey, rowKey: entity.rowKey }]);
        pending.set(entity.partitionKey, actions);
        if (actions.length === TRANSACTION_LIMIT) await flush(entity.partitionKey);
      }
    }
    for (const partition of [...pending.keys()]) await flush(partition);
    return deleted;
  }

  private entity(
    key: ClaimKey,
    state: ClaimState,
    bodyHash: string,
    now: Date,
    fields: Fields,
    payload?: Uint8Array,
  ): Entity {
    const entity: Entity = { partitionKey: key.partitionKey, rowKey: key.rowKey };
    for (const [name, value] of Object.entries(fields)) if (!OWN.has(name)) entity[name] = value;
    Object.assign(entity, {
      bodyHash,
      state,
      claimedAt: now,
      expiresAt: new Date(now.getTime() + this.options.ttlMs),
    });
    if (payload) {
      const chunks = Math.ceil(payload.byteLength / CHUNK_BYTES);
      entity.chunks = chunks;
      for (let i = 0; i < chunks; i++)
        entity[`body${i}`] = payload.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
    }
    return entity;
  }

  private async replace(claim: Claim, entity: Entity, abortSignal: AbortSignal): Promise<boolean> {
    try {
      await this.table.updateEntity(entity, "Replace", { etag: claim.etag, abortSignal });
      return true;
    } catch (error) {
      if (lostRace(error)) return false;
      throw error;
    }
  }

  private async read(key: ClaimKey, abortSignal: AbortSignal): Promise<StoredClaim | undefined> {
    try {
      return toStored(await this.table.getEntity<Entity>(key.partitionKey, key.rowKey, { abortSignal }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
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
