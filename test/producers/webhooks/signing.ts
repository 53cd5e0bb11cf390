import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { ProblemError } from "../../../src/shared/problem";

/** A Standard Webhooks sender, signing with the library's own `sign`. */
export function standardWebhooksHeaders(secret: string, id: string, body: string): Record<string, string> {
  const now = new Date();
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, now, body),
  };
}

/** A CRM's contact event in its own shape (numbers as strings, nested), as the shipped `crm` source maps it. */
export function crmEvent(tenure = "37") {
  return {
    type: "contact.updated",
    data: {
      region: "3",
      tenure_months: tenure,
      equipment_rental: "0",
      contact: { age: "53", years_at_address: "13", income: "48", years_employed: "10", gender: "0" },
    },
  };
}

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
