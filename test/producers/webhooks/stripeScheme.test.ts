import { describe, expect, it } from "vitest";
import { StripeScheme } from "../../../src/producers/webhooks/stripeScheme";
import { outcomeOf, stripeSignature } from "./signing";

const secret = "whsec_test_5f2a0c1b9d8e7f6a5b4c3d2e1f0a9b8c";
const now = Date.UTC(2026, 10, 27, 10, 0, 0);
const nowSeconds = now / 1000;
const body = '{"id":"evt_1QxYz","type":"customer.updated","data":{"object":{"id":"cus_1"}}}';

function verify(scheme: StripeScheme, signature: string | undefined, payload: string | Buffer = body) {
  const headers = new Headers(signature === undefined ? {} : { "Stripe-Signature": signature });
  return () => scheme.verify({ headers, body: Buffer.from(payload) }, now);
}

describe("Stripe signatures (Stripe-Signature: t=..,v1=..)", () => {
  it("accepts HMAC-SHA256 of t, a dot and the raw body, keyed with the whole whsec_ string", () => {
    const scheme = new StripeScheme([secret]);
    expect(outcomeOf(verify(scheme, stripeSignature(secret, nowSeconds, body)))).toBe("accepted");
  });

  it("refuses a signature keyed with the base64-decoded secret (that is Standard Webhooks, not Stripe)", () => {
    const scheme = new StripeScheme([secret]);
    const decodedKey = Buffer.from(secret.slice("whsec_".length), "base64").toString("latin1");
    expect(outcomeOf(verify(scheme, stripeSignature(decodedKey, nowSeconds, body)))).toBe("wrong");
  });

  it("refuses a flipped body byte, a changed t, and a changed signature digit", () => {
    const scheme = new StripeScheme([secret]);
    const signature = stripeSignature(secret, nowSeconds, body);
    const tampered = Buffer.from(body);
    tampered[10] = (tampered[10] ?? 0) ^ 0x01;
    expect(outcomeOf(verify(scheme, signature, tampered))).toBe("wrong");
    expect(outcomeOf(verify(scheme, signature.replace(`t=${nowSeconds}`, `t=${nowSeconds - 1}`)))).toBe(
      "wrong",
    );
    const digit = signature.length - 1;
    const changed = `${signature.slice(0, digit)}${signature[digit] === "0" ? "1" : "0"}`;
    expect(outcomeOf(verify(scheme, changed))).toBe("wrong");
  });

  it("accepts t up to 300 s away and refuses 301 s old or ahead as expired", () => {
    const scheme = new StripeScheme([secret]);
    const at = (offset: number) =>
      outcomeOf(verify(scheme, stripeSignature(secret, nowSeconds + offset, body)));
    expect(at(-300)).toBe("accepted");
    expect(at(300)).toBe("accepted");
    expect(at(-301)).toBe("expired");
    expect(at(301)).toBe("expired");
  });

  it("accepts a header with several v1 signatures (Stripe's own secret roll) when one matches", () => {
    const scheme = new StripeScheme([secret]);
    const good = stripeSignature(secret, nowSeconds, body);
    const other = stripeSignature("whsec_other", nowSeconds, body).split(",")[1];
    expect(outcomeOf(verify(scheme, `${good.split(",")[0]},${other},${good.split(",")[1]},v0=abc`))).toBe(
      "accepted",
    );
  });

  it("with a rotated secret list accepts either secret", () => {
    const scheme = new StripeScheme(["whsec_old", secret]);
    expect(outcomeOf(verify(scheme, stripeSignature("whsec_old", nowSeconds, body)))).toBe("accepted");
    expect(outcomeOf(verify(scheme, stripeSignature(secret, nowSeconds, body)))).toBe("accepted");
  });

  it("tells missing from malformed", () => {
    const scheme = new StripeScheme([secret]);
    expect(outcomeOf(verify(scheme, undefined))).toBe("missing");
    expect(outcomeOf(verify(scheme, "v1=abc"))).toBe("malformed");
    expect(outcomeOf(verify(scheme, `t=${nowSeconds}`))).toBe("malformed");
    expect(outcomeOf(verify(scheme, `t=soon,v1=${"a".repeat(64)}`))).toBe("malformed");
  });

  it("takes the delivery id from the event's id in the body", () => {
    const scheme = new StripeScheme([secret]);
    expect(scheme.deliveryIdFromPayload(JSON.parse(body))).toBe("evt_1QxYz");
    expect(scheme.deliveryIdFromPayload({ id: 7 })).toBeUndefined();
    expect(scheme.deliveryIdFromPayload([])).toBeUndefined();
  });
});
