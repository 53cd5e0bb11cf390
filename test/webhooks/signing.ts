import { createHmac } from "node:crypto";
import { ProblemError } from "../../src/http/problem";

/** Test-side senders: what GitHub, Stripe and a generic HMAC sender put in their headers. */
export function githubSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export function stripeSignature(secret: string, timestamp: number, body: string | Buffer): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

export function hmacSignature(secret: string, body: string | Buffer, encoding: "hex" | "base64"): string {
  return createHmac("sha256", secret).update(body).digest(encoding);
}

/** The 401 failure (missing, malformed, wrong, expired) a verification threw, or "accepted". */
export function outcomeOf(verify: () => unknown): string {
  try {
    verify();
    return "accepted";
  } catch (error) {
    if (error instanceof ProblemError && error.problem.status === 401) return String(error.problem.failure);
    throw error;
  }
}

/** The 401 detail a verification threw. */
export function detailOf(verify: () => unknown): string {
  try {
    verify();
  } catch (error) {
    if (error instanceof ProblemError) return error.problem.detail;
  }
  return "";
}

/** The same bytes with the byte at `index` changed. */
export function flipByte(value: string, index: number): string {
  const bytes = Buffer.from(value, "utf8");
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return bytes.toString("latin1");
}
