import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StandardWebhooksScheme } from "../../../src/producers/webhooks/standardWebhooksScheme";
import vectors from "../../fixtures/webhooks/vectors.json";
import { detailOf, outcomeOf } from "./signing";

const vector = vectors["standard-webhooks"][0] as Record<string, string>;
const secret = vector.secret as string;
const at = Number(vector["webhook-timestamp"]) * 1000;

function headersOf(id: string, timestamp: string, signature: string): Headers {
  return new Headers({ "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature });
}

function verify(scheme: StandardWebhooksScheme, headers: Headers, body: Buffer | string) {
  return () => scheme.verify({ headers, body: Buffer.from(body) }, Date.now());
}

const published = () =>
  headersOf(
    vector["webhook-id"] as string,
    vector["webhook-timestamp"] as string,
    vector["webhook-signature"] as string,
  );

describe("Standard Webhooks signatures", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(at);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("accepts the published vector and returns its webhook-id as the delivery id", () => {
    const scheme = new StandardWebhooksScheme([secret]);
    const result = scheme.verify(
      { headers: published(), body: Buffer.from(vector.body as string) },
      Date.now(),
    );
    expect(result.deliveryId).toBe(vector["webhook-id"]);
  });

  it("refuses the vector when any one byte of the body is flipped", () => {
    const scheme = new StandardWebhooksScheme([secret]);
    const body = Buffer.from(vector.body as string);
    for (let i = 0; i < body.length; i++) {
      const tampered = Buffer.from(body);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(outcomeOf(verify(scheme, published(), tampered)), `byte ${i}`).toBe("wrong");
    }
  });

  it("refuses the vector when any one character of the webhook-id is changed", () => {
    const scheme = new StandardWebhooksScheme([secret]);
    const id = vector["webhook-id"] as string;
    for (let i = 0; i < id.length; i++) {
      const changed = `${id.slice(0, i)}${id[i] === "x" ? "y" : "x"}${id.slice(i + 1)}`;
      const headers = headersOf(
        changed,
        vector["webhook-timestamp"] as string,
        vector["webhook-signature"] as string,
      );
      expect(outcomeOf(verify(scheme, headers, vector.body as string)), `character ${i}`).toBe("wrong");
    }
  });

  it("refuses the vector when its timestamp is changed by one second (still within tolerance)", () => {
    const scheme = new StandardWebhooksScheme([secret]);
    const headers = headersOf(
      vector["webhook-id"] as string,
      String(Number(vector["webhook-timestamp"]) + 1),
      vector["webhook-signature"] as string,
    );
    expect(outcomeOf(verify(scheme, headers, vector.body as string))).toBe("wrong");
  });

  it("refuses the vector when any one character of the signature is changed", () => {
    const scheme = new StandardWebhooksScheme([secret]);
    const signature = vector["webhook-signature"] as string;
    for (let i = 3; i < signature.length - 1; i++) {
      const changed = `${signature.slice(0, i)}${signature[i] === "A" ? "B" : "A"}${signature.slice(i + 1)}`;
      const headers = headersOf(
        vector["webhook-id"] as string,
        vector["webhook-timestamp"] as string,
        changed,
      );
      expect(outcomeOf(verify(scheme, headers, vector.body as string)), `character ${i}`).toBe("wrong");
    }
  });

  it("accepts timestamps 300 s old or ahead and refuses 301 s old or ahead as expired", () => {
    const scheme = new StandardWebhooksScheme([secret]);
    const sender = new Webhook(secret);
    const body = '{"event":"late"}';
    const deliver = (offsetSeconds: number) => {
      const sentAt = new Date(at + offsetSeconds * 1000);
      const headers = headersOf("msg_1", String(sentAt.getTime() / 1000), sender.sign("msg_1", sentAt, body));
      return outcomeOf(verify(scheme, headers, body));
    };
    expect(deliver(-300)).toBe("accepted");
    expect(deliver(300)).toBe("accepted");
    expect(deliver(-301)).toBe("expired");
    expect(deliver(301)).toBe("expired");
  });

  it("with a rotated secret list accepts a delivery signed with either secret, and no other", () => {
    const next = "whsec_dGhlLW5leHQtc2VjcmV0LWZvci1yb3RhdGlvbg==";
    const other = "whsec_c29tZWJvZHktZWxzZXMtc2VjcmV0LXZhbHVl";
    const scheme = new StandardWebhooksScheme([secret, next]);
    const body = '{"rotated":true}';
    const signedWith = (key: string) => {
      const headers = headersOf(
        "msg_r",
        String(at / 1000),
        new Webhook(key).sign("msg_r", new Date(at), body),
      );
      return outcomeOf(verify(scheme, headers, body));
    };
    expect(signedWith(secret)).toBe("accepted");
    expect(signedWith(next)).toBe("accepted");
    expect(signedWith(other)).toBe("wrong");
  });

  it("accepts a header with several signatures when any one of them matches", () => {
    const scheme = new StandardWebhooksScheme([secret]);
    const headers = headersOf(
      vector["webhook-id"] as string,
      vector["webhook-timestamp"] as string,
      `v1,Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm8= ${vector["webhook-signature"]}`,
    );
    expect(outcomeOf(verify(scheme, headers, vector.body as string))).toBe("accepted");
  });

  it("says which header is missing, and that a malformed one is malformed, never the expected signature", () => {
    const scheme = new StandardWebhooksScheme([secret]);
    const noSignature = new Headers({ "webhook-id": "msg_1", "webhook-timestamp": String(at / 1000) });
    expect(outcomeOf(verify(scheme, noSignature, "{}"))).toBe("missing");
    expect(detailOf(verify(scheme, noSignature, "{}"))).toContain("webhook-signature");
    expect(outcomeOf(verify(scheme, headersOf("msg_1", "12abc", "v1,abc="), "{}"))).toBe("malformed");
    expect(outcomeOf(verify(scheme, headersOf("msg_1", String(at / 1000), "v2,abc="), "{}"))).toBe(
      "malformed",
    );
    const wrong = detailOf(verify(scheme, headersOf("msg_1", String(at / 1000), "v1,AAAA"), "{}"));
    expect(wrong).toMatch(/matches none/);
    const expected = new Webhook(secret).sign("msg_1", new Date(at), "{}").slice(3);
    expect(wrong).not.toContain(expected);
  });

  it("refuses a secret that is not whsec_ base64 at construction", () => {
    expect(() => new StandardWebhooksScheme(["whsec_not base64!"])).toThrow();
  });
});
