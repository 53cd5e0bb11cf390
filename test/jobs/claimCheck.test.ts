import { describe, expect, it } from "vitest";
import {
  claimCheckEvent,
  fitsQueueMessage,
  MAX_QUEUE_MESSAGE_BYTES,
  queueMessageBytes,
  resultReference,
} from "../../src/jobs/claimCheck";
import { resultEvent } from "../../src/jobs/jobResult";

describe("the claim check of a large result", () => {
  it("counts a message as the queue does: UTF-8, with XML's entities at their length", () => {
    expect(queueMessageBytes("abc")).toBe(3);
    expect(queueMessageBytes("é")).toBe(2);
    expect(queueMessageBytes(`&<>"'`)).toBe(5 + 4 + 3 + 3 + 5 + 5);
  });

  it("a result fits a message up to 63 KiB of its count, JSON quotes included", () => {
    expect(fitsQueueMessage("x".repeat(MAX_QUEUE_MESSAGE_BYTES - 1024))).toBe(true);
    expect(fitsQueueMessage("x".repeat(MAX_QUEUE_MESSAGE_BYTES - 1023))).toBe(false);
    // 20,000 quotes are 120,000 bytes in the request's XML.
    expect(fitsQueueMessage('"'.repeat(20_000))).toBe(false);
    // messageEncoding base64: a third longer, nothing escaped.
    expect(fitsQueueMessage('"'.repeat(20_000), "base64")).toBe(true);
    expect(fitsQueueMessage("x".repeat(48_000), "base64")).toBe(true);
    expect(fitsQueueMessage("x".repeat(49_000), "base64")).toBe(false);
  });

  it("keeps the event's attributes and the summary in data, drops the rest, and points at the whole result", () => {
    const whole = resultEvent(
      {
        jobId: "crm/4711#1",
        model: "churn",
        deploymentId: "d1",
        status: "succeeded",
        prediction: { churn: 1, padding: "x".repeat(100_000) },
        metadata: { big: "y".repeat(10_000) },
        event: { source: "crm", id: "1", type: "t" },
        attempts: 2,
      },
      new Date("2026-12-01T00:00:00Z"),
    );
    const checked = claimCheckEvent(whole, resultReference("crm/4711#1", undefined));
    expect(checked).toEqual({
      specversion: "1.0",
      id: whole.id,
      type: whole.type,
      source: whole.source,
      subject: whole.subject,
      time: whole.time,
      datacontenttype: "application/json",
      dataref: "/api/jobs/crm/4711%231",
      data: {
        jobId: "crm/4711#1",
        model: "churn",
        deploymentId: "d1",
        status: "succeeded",
        event: { source: "crm", id: "1", type: "t" },
        attempts: 2,
      },
    });
    expect(fitsQueueMessage(JSON.stringify(checked))).toBe(true);
    expect(resultReference("a b", "relay.azurewebsites.net")).toBe(
      "https://relay.azurewebsites.net/api/jobs/a%20b",
    );
  });
});
