import { createHash } from "node:crypto";

/** Where one delivery's record lives: partition = a short prefix of the hash, row = the whole hash (DESIGN §8). */
export interface DeliveryKey {
  partitionKey: string;
  rowKey: string;
  source: string;
  deliveryId: string;
}

/** The answer recorded for a delivery, replayed as it was. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A delivery this instance is scoring; `etag` proves the claim is still ours when it is completed or released. */
export interface Claim {
  key: DeliveryKey;
  bodyHash: string;
  etag: string;
}

export type ClaimResult =
  | { outcome: "claimed"; claim: Claim }
  | { outcome: "done"; response: RecordedResponse }
  | { outcome: "in-progress"; claimedAt: Date }
  | { outcome: "body-mismatch" };

/** De-duplication records; the insert of a new record decides, across instances, who scores a delivery. */
export interface DeliveryStore {
  claim(key: DeliveryKey, bodyHash: string, now: Date): Promise<ClaimResult>;
  /** Records the answer; false when it could not be (the claim was taken over, or the answer is too large). */
  complete(claim: Claim, response: RecordedResponse, now: Date): Promise<boolean>;
  /** Forgets the claim so that the sender's retry is scored again. */
  release(claim: Claim): Promise<void>;
  /** Deletes records whose expiry has passed (Table storage has no TTL of its own); returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

/** Hex digits of the hash that form the partition key: 256 partitions spread the writes. */
const PARTITION_PREFIX = 2;

export function deliveryKey(source: string, deliveryId: string): DeliveryKey {
  const hash = createHash("sha256").update(source).update("\n").update(deliveryId).digest("hex");
  return { partitionKey: hash.slice(0, PARTITION_PREFIX), rowKey: hash, source, deliveryId };
}

export function hashBody(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("base64url");
}
