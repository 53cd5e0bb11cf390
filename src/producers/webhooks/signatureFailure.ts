import { createHmac, timingSafeEqual } from "node:crypto";
import { ProblemError, problem } from "../../shared/problem";

/** Why a delivery's signature was refused; the 401 detail says which, never the expected value. */
export type SignatureFailure = "missing" | "malformed" | "wrong" | "expired";

export function signatureInvalid(failure: SignatureFailure, detail: string): ProblemError {
  return new ProblemError(problem("signature-invalid", 401, detail, { failure }));
}

/** HMAC-SHA256 of the parts, in order, as raw bytes. */
export function hmacSha256(key: string | Uint8Array, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time equality; buffers of different length are unequal (and compared against themselves). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** Tolerance of timestamped schemes (Standard Webhooks, Stripe): the reference libraries' 5 minutes. */
export const TIMESTAMP_TOLERANCE_SECONDS = 300;

/** `expired` unless `timestamp` (unix seconds) is within the tolerance of now, either way. */
export function requireFreshTimestamp(timestamp: number, nowMs: number, header: string): void {
  const now = Math.floor(nowMs / 1000);
  if (now - timestamp > TIMESTAMP_TOLERANCE_SECONDS) {
    throw signatureInvalid(
      "expired",
      `${header} is ${now - timestamp} s old; deliveries older than ${TIMESTAMP_TOLERANCE_SECONDS} s are refused`,
    );
  }
  if (timestamp - now > TIMESTAMP_TOLERANCE_SECONDS) {
    throw signatureInvalid(
      "expired",
      `${header} is ${timestamp - now} s ahead of this server's clock; more than ${TIMESTAMP_TOLERANCE_SECONDS} s is refused`,
    );
  }
}
