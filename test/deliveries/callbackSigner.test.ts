import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { CallbackSigner } from "../../src/deliveries/callbackSigner";
import vectors from "../fixtures/webhooks/vectors.json";
import { messageOf } from "../support/thrown";

const vector = vectors["standard-webhooks"][0] as Record<string, string>;
const OTHER = "whsec_dGhpcyBpcyBhIHJvdGF0ZWQgc2VjcmV0IGtleSE=";

describe("callback signatures", () => {
  it("reproduces the published Standard Webhooks vector", () => {
    const signer = CallbackSigner.fromSetting(vector.secret);
    const at = new Date(Number(vector["webhook-timestamp"]) * 1000);
    expect(signer?.sign(vector["webhook-id"] as string, at, vector.body as string)).toEqual({
      "webhook-id": vector["webhook-id"],
      "webhook-timestamp": vector["webhook-timestamp"],
      "webhook-signature": vector["webhook-signature"],
    });
  });

  it("signs with every secret during a rotation: one v1 each, and a receiver holding either verifies it", () => {
    const signer = CallbackSigner.fromSetting(`${OTHER}  ${vector.secret}`);
    const body = '{"specversion":"1.0","id":"r-1"}';
    const headers = signer?.sign("r-1", new Date(), body) ?? expect.unreachable();
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
    expect(() => new Webhook(OTHER).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(vector.secret as string).verify(body, { ...headers })).not.toThrow();
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`).verify(body, { ...headers }),
    ).toThrow();
  });

  it("is absent while the setting is unset", () => {
    expect(CallbackSigner.fromSetting(undefined)).toBeUndefined();
    expect(CallbackSigner.fromSetting("  ")).toBeUndefined();
  });

  it("stops the app on a secret that is not whsec_ and the base64 of 24 bytes or more, without printing it", () => {
    for (const secret of [
      "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "whsec_",
      "whsec_not base64!",
      `${OTHER} whsec_%%%`,
      `whsec_${Buffer.alloc(23, 1).toString("base64")}`,
      `${OTHER} whsec_c2hvcnQ=`,
    ]) {
      const message = messageOf(() => CallbackSigner.fromSetting(secret));
      expect(message).toBe(
        "CALLBACK_SIGNING_SECRET holds a secret that is not a Standard Webhooks secret (whsec_ and the base64 of at least 24 bytes)",
      );
      expect(message).not.toContain("c2hvcnQ");
    }
    expect(CallbackSigner.fromSetting(`whsec_${Buffer.alloc(24, 1).toString("base64")}`)).toBeDefined();
  });
});
