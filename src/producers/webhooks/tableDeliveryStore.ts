import type { StorageConnection } from "../../config/storageConnection";
import { ClaimTable, claimKey, MAX_PAYLOAD_BYTES } from "../../storage/claimTable";
import type {
  ClaimResult,
  DeliveryClaim,
  DeliveryKey,
  DeliveryStore,
  RecordedResponse,
} from "./deliveryStore";

/** An in-progress delivery older than this was abandoned (its instance crashed): the next copy takes it over. */
export const DELIVERY_ABANDON_AFTER_MS = 5 * 60_000;

/** The largest answer recorded for replay; a larger one is answered but not recorded (a repeat is scored again). */
export const MAX_RECORDED_ANSWER_BYTES = MAX_PAYLOAD_BYTES;

export interface TableDeliveryStoreOptions {
  /** How long a record is honoured. */
  ttlMs: number;
  /** An in-progress claim older than this was abandoned (its instance crashed) and may be claimed again. */
  abandonAfterMs?: number;
  tableName?: string;
  /** What the records are kept apart by on a shared storage account: the relay's AI Core instance (AI_API_URL). */
  scope?: string;
  /** Budget of each storage operation: STORAGE_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** De-duplication records of webhook deliveries in Table storage (`webhookdeliveries`), on the shared claim table. */
export class TableDeliveryStore implements DeliveryStore {
  private readonly table: ClaimTable;
  private readonly scope: string | undefined;

  constructor(storage: StorageConnection, options: TableDeliveryStoreOptions) {
    this.scope = options.scope;
    this.table = new ClaimTable(storage, {
      tableName: options.tableName ?? "webhookdeliveries",
      ttlMs: options.ttlMs,
      abandonAfterMs: options.abandonAfterMs ?? DELIVERY_ABANDON_AFTER_MS,
      timeoutMs: options.timeoutMs,
    });
  }

  async claim(given: DeliveryKey, bodyHash: string, now: Date): Promise<ClaimResult> {
    // Under this relay's scope (its AI Core instance): another relay on the storage account never answers with this
    // relay's recorded response, nor refuses its deliveries as duplicates.
    const key: DeliveryKey =
      this.scope === undefined
        ? given
        : {
            ...claimKey(this.scope, given.source, given.deliveryId),
            source: given.source,
            deliveryId: given.deliveryId,
          };
    const identity = { source: key.source, deliveryId: key.deliveryId.slice(0, 1000) };
    const claimed = await this.table.claim(key, bodyHash, now, () => identity);
    switch (claimed.outcome) {
      case "claimed":
        return { outcome: "claimed", claim: { ...claimed.claim, key } };
      case "done": {
        const { fields, payload } = claimed.record;
        return {
          outcome: "done",
          response: {
            status: Number(fields.status ?? 200),
            headers: JSON.parse(String(fields.headers ?? "{}")) as Record<string, string>,
            body: payload,
          },
        };
      }
      case "in-progress":
        return { outcome: "in-progress", claimedAt: claimed.record.claimedAt };
      case "body-mismatch":
        return { outcome: "body-mismatch" };
    }
  }

  async complete(claim: DeliveryClaim, response: RecordedResponse, now: Date): Promise<boolean> {
    const fields = {
      source: claim.key.source,
      deliveryId: claim.key.deliveryId.slice(0, 1000),
      status: response.status,
      headers: JSON.stringify(response.headers),
    };
    const recorded = await this.table.complete(claim, fields, response.body, now);
    if (!recorded) await this.table.release(claim); // too large or taken over: a repeat is scored again
    return recorded;
  }

  release(claim: DeliveryClaim): Promise<void> {
    return this.table.release(claim);
  }

  purgeExpired(now: Date): Promise<number> {
    return this.table.purgeExpired(now);
  }
}
