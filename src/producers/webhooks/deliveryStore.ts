import { type Claim, type ClaimKey, claimKey } from "../../storage/claimTable";

export { hashBody } from "../../storage/claimTable";

/** Where one delivery's record lives: partition = a short prefix of the hash, row = the whole hash (DESIGN §8). */
export interface DeliveryKey extends ClaimKey {
  source: string;
  deliveryId: string;
}

/** The answer recorded for a delivery, replayed as it was. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A delivery this instance is scoring. */
export interface DeliveryClaim extends Claim {
  key: DeliveryKey;
}

export type ClaimResult =
  | { outcome: "claimed"; claim: DeliveryClaim }
  | { outcome: "done"; response: RecordedResponse }
  | { outcome: "in-progress"; claimedAt: Date }
  | { outcome: "body-mismatch" };

/** De-duplication records; the insert of a new record decides, across instances, who scores a delivery. */
export interface DeliveryStore {
  claim(key: DeliveryKey, bodyHash: string, now: Date): Promise<ClaimResult>;
  /** Records the answer; false when it could not be (the claim was taken over, or the answer is too large). */
  complete(claim: DeliveryClaim, response: RecordedResponse, now: Date): Promise<boolean>;
  /** Forgets the claim so that the sender's retry is scored again. */
  release(claim: DeliveryClaim): Promise<void>;
  /** Deletes records whose expiry has passed (Table storage has no TTL of its own); returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export function deliveryKey(source: string, deliveryId: string): DeliveryKey {
  return { ...claimKey(source, deliveryId), source, deliveryId };
}
