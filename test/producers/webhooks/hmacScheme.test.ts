import { describe, expect, it } from "vitest";
import { HmacScheme } from "../../../src/producers/webhooks/hmacScheme";
import { hmacSignature, outcomeOf } from "./signing";

const body = '{"ticket":42,"tenure":"12"}';

function verify(scheme: HmacScheme, headers: Record<string, string>, payload: string | Buffer = body) {
  return () => scheme.verify({ headers: new Headers(headers), body: Buffer.from(payload) });
}

describe("generic hmac-sha256 signatures", () => {
  it("accepts a hex signature behind the configured prefix, and reads the delivery id from idHeader", () => {
    const scheme = new HmacScheme(["s3cret"], {
      header: "x-signature",
      encoding: "hex",
      prefix: "sha256=",
      idHeader: "x-event-id",
    });
    const headers = { "X-Signature": `sha256=${hmacSignature("s3cret", body, "hex")}`, "X-Event-Id": "ev-9" };
    expect(scheme.verify({ headers: new Headers(headers), body: Buffer.from(body) }).deliveryId).toBe("ev-9");
  });

  it("accepts a base64 signature and refuses a flipped body byte", () => {
    const scheme = new HmacScheme(["s3cret"], { header: "x-signature", encoding: "base64" });
    const headers = { "X-Signature": hmacSignature("s3cret", body, "base64") };
    expect(outcomeOf(verify(scheme, headers))).toBe("accepted");
    const tampered = Buffer.from(body);
    tampered[3] = (tampered[3] ?? 0) ^ 0x01;
    expect(outcomeOf(verify(scheme, headers, tampered))).toBe("wrong");
  });

  it("refuses a signature without the configured prefix, or in the other encoding, as malformed", () => {
    const scheme = new HmacScheme(["s3cret"], { header: "x-signature", encoding: "hex", prefix: "sha256=" });
    expect(outcomeOf(verify(scheme, { "X-Signature": hmacSignature("s3cret", body, "hex") }))).toBe(
      "malformed",
    );
    const base64 = `sha256=${hmacSignature("s3cret", body, "base64")}`;
    expect(outcomeOf(verify(scheme, { "X-Signature": base64 }))).toBe("malformed");
    expect(outcomeOf(verify(scheme, {}))).toBe("missing");
  });

  it("with a rotated secret list accepts either secret, and not a third", () => {
    const scheme = new HmacScheme(["old", "new"], { header: "x-signature", encoding: "hex" });
    expect(outcomeOf(verify(scheme, { "X-Signature": hmacSignature("old", body, "hex") }))).toBe("accepted");
    expect(outcomeOf(verify(scheme, { "X-Signature": hmacSignature("new", body, "hex") }))).toBe("accepted");
    expect(outcomeOf(verify(scheme, { "X-Signature": hmacSignature("other", body, "hex") }))).toBe("wrong");
  });

  it("without idHeader gives no delivery id (the receiver then uses Idempotency-Key)", () => {
    const scheme = new HmacScheme(["s3cret"], { header: "x-signature", encoding: "hex" });
    const headers = new Headers({
      "X-Signature": hmacSignature("s3cret", body, "hex"),
      "Idempotency-Key": "k",
    });
    expect(scheme.verify({ headers, body: Buffer.from(body) }).deliveryId).toBeUndefined();
  });
});
