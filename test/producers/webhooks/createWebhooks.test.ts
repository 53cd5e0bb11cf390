import { describe, expect, it } from "vitest";
import { requireDeadlineInsideClaim } from "../../../src/producers/webhooks/createWebhooks";
import { messageOf } from "../../support/thrown";

describe("the request deadline against the claim takeover", () => {
  it("accepts the largest REQUEST_DEADLINE_MS and STORAGE_TIMEOUT_MS the settings allow", () => {
    expect(() => requireDeadlineInsideClaim(200_000, 30_000)).not.toThrow();
  });

  it("stops the app when scoring could outlast the 5-minute takeover, naming both settings", () => {
    const message = messageOf(() => requireDeadlineInsideClaim(299_000, 2_000));
    expect(message).toMatch(
      /^REQUEST_DEADLINE_MS \(299000\) plus twice STORAGE_TIMEOUT_MS \(2000\) must be shorter/,
    );
  });
});
