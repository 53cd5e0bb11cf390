import { describe, expect, it } from "vitest";
import { GitHubScheme } from "../../../src/producers/webhooks/githubScheme";
import vectors from "../../fixtures/webhooks/vectors.json";
import { githubSignature, outcomeOf } from "./signing";

const vector = vectors.github[0] as Record<string, string>;
const secret = vector.secret as string;

function verify(scheme: GitHubScheme, headers: Record<string, string>, body: Buffer | string) {
  return () => scheme.verify({ headers: new Headers(headers), body: Buffer.from(body) });
}

describe("GitHub signatures (X-Hub-Signature-256)", () => {
  it("accepts GitHub's published example and returns X-GitHub-Delivery as the delivery id", () => {
    const scheme = new GitHubScheme([secret]);
    const result = scheme.verify({
      headers: new Headers({
        "X-Hub-Signature-256": vector["X-Hub-Signature-256"] as string,
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      }),
      body: Buffer.from(vector.body as string),
    });
    expect(result.deliveryId).toBe("72d3162e-cc78-11e3-81ab-4c9367dc0958");
  });

  it("refuses the example when any one byte of the body is flipped", () => {
    const scheme = new GitHubScheme([secret]);
    const body = Buffer.from(vector.body as string);
    for (let i = 0; i < body.length; i++) {
      const tampered = Buffer.from(body);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      const headers = { "X-Hub-Signature-256": vector["X-Hub-Signature-256"] as string };
      expect(outcomeOf(verify(scheme, headers, tampered)), `byte ${i}`).toBe("wrong");
    }
  });

  it("refuses the example when any one hex digit of the signature is changed", () => {
    const scheme = new GitHubScheme([secret]);
    const signature = vector["X-Hub-Signature-256"] as string;
    for (let i = "sha256=".length; i < signature.length; i++) {
      const changed = `${signature.slice(0, i)}${signature[i] === "0" ? "1" : "0"}${signature.slice(i + 1)}`;
      expect(outcomeOf(verify(scheme, { "X-Hub-Signature-256": changed }, vector.body as string))).toBe(
        "wrong",
      );
    }
  });

  it("with a rotated secret list accepts either secret", () => {
    const scheme = new GitHubScheme(["old-secret", secret]);
    for (const key of ["old-secret", secret]) {
      const headers = { "X-Hub-Signature-256": githubSignature(key, "payload") };
      expect(outcomeOf(verify(scheme, headers, "payload"))).toBe("accepted");
    }
    const headers = { "X-Hub-Signature-256": githubSignature("third", "payload") };
    expect(outcomeOf(verify(scheme, headers, "payload"))).toBe("wrong");
  });

  it("tells a missing header from a malformed one (the SHA-1 header alone, or no sha256= prefix)", () => {
    const scheme = new GitHubScheme([secret]);
    expect(outcomeOf(verify(scheme, { "X-Hub-Signature": "sha1=abc" }, "x"))).toBe("missing");
    const bare = (vector["X-Hub-Signature-256"] as string).slice("sha256=".length);
    expect(outcomeOf(verify(scheme, { "X-Hub-Signature-256": bare }, "x"))).toBe("malformed");
    expect(outcomeOf(verify(scheme, { "X-Hub-Signature-256": "sha256=abcd" }, "x"))).toBe("malformed");
  });
});
