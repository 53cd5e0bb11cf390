import { describe, expect, it } from "vitest";
import {
  eventJobId,
  isProducerJobId,
  MAX_JOB_ID_LENGTH,
  predictJobId,
  queuedEventJobId,
  webhookJobId,
} from "../../src/jobs/jobIds";
import { jobHash, legacyJobHash } from "../../src/jobs/scoringJob";

describe("job ids", () => {
  it("each producer names jobs in its own namespace", () => {
    expect(predictJobId("/crm#order-7")).toBe("predict:/crm#order-7");
    expect(eventJobId("/crm", "order-7")).toBe("event:/crm#order-7");
    expect(webhookJobId("crm-push", "msg_1")).toBe("webhook:crm-push#msg_1");
    expect(queuedEventJobId("/crm", "order-7")).toBe("/crm#order-7");
    expect(new Set([predictJobId("event:/crm#order-7"), eventJobId("/crm", "order-7")]).size).toBe(2);
  });

  it("an event's source and id are read back unambiguously: a # in the source is encoded", () => {
    expect(eventJobId("/a#b", "c")).not.toBe(eventJobId("/a", "b#c"));
    expect(eventJobId("/a#b", "c")).toBe("event:/a%23b#c");
    expect(eventJobId("/a%23b", "c")).toBe("event:/a%2523b#c");
  });

  it("a long id keeps its producer's prefix and is hashed", () => {
    const id = eventJobId("/crm", "x".repeat(400));
    expect(id).toMatch(/^event:sha256-[0-9a-f]{64}$/);
    expect(id.length).toBeLessThanOrEqual(MAX_JOB_ID_LENGTH);
  });

  it("a queued CloudEvent cannot land in a producer's namespace", () => {
    expect(isProducerJobId(queuedEventJobId("event:/crm", "1"))).toBe(false);
    expect(isProducerJobId("order-4711")).toBe(false);
    expect(isProducerJobId("webhook:crm#1")).toBe(true);
  });

  it("the fingerprint is over canonical JSON: member order does not count, content does", () => {
    const job = { id: "j", model: "churn", body: { a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } } };
    const reordered = { ...job, body: { b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 } };
    expect(jobHash(reordered)).toBe(jobHash(job));
    expect(jobHash({ ...job, body: { ...job.body, a: 2 } })).not.toBe(jobHash(job));
    // A relay before canonical hashes recorded JSON in the order received; both are recognised.
    expect(legacyJobHash(job)).not.toBe(legacyJobHash(reordered));
  });
});
