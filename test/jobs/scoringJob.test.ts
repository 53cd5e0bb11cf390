import { describe, expect, it } from "vitest";
import { jobHash, jobMessage, MAX_JOB_DEPTH, parseJobMessage } from "../../src/jobs/scoringJob";

const input = { region: 3, tenure: 37 };

describe("a queue message as a scoring job", () => {
  it("takes a parsed JSON job (what the trigger hands over for JSON text)", () => {
    expect(parseJobMessage({ id: "j1", model: "churn", input, metadata: { a: [1] } }, "m1")).toEqual({
      ok: true,
      job: { id: "j1", model: "churn", body: input, metadata: { a: [1] } },
    });
  });

  it("takes JSON text and base64 of JSON alike; the message id is the job id when the job has none", () => {
    const text = JSON.stringify({ model: "churn", instances: [input, input] });
    const expected = { ok: true, job: { id: "m1", model: "churn", body: { instances: [input, input] } } };
    expect(parseJobMessage(text, "m1")).toEqual(expected);
    expect(parseJobMessage(Buffer.from(text).toString("base64"), "m1")).toEqual(expected);
  });

  it("takes a structured CloudEvent 1.0 whose data is a job; its source#id is the job id when the job has none", () => {
    const event = {
      specversion: "1.0",
      type: "order.created",
      source: "/orders",
      id: "e7",
      data: { model: "churn", input },
    };
    expect(parseJobMessage(event, "m1")).toMatchObject({ ok: true, job: { id: "/orders#e7", body: input } });
    const named = { ...event, data: { id: "own", model: "churn", input } };
    expect(parseJobMessage(named, "m1")).toMatchObject({ ok: true, job: { id: "own" } });
    const base64Data = {
      ...event,
      data: undefined,
      data_base64: Buffer.from(JSON.stringify({ model: "churn", input })).toString("base64"),
    };
    expect(parseJobMessage(base64Data, "m1")).toMatchObject({ ok: true, job: { id: "/orders#e7" } });
  });

  it("an event job (POST /api/events/{entry}) goes through its message unchanged, and its event is in its hash", () => {
    const cloudEvent = {
      specversion: "1.0",
      id: "e1",
      source: "/s4",
      type: "bp.changed",
      data: { BusinessPartner: "7" },
    };
    const job = { id: "/s4#e1", model: "churn", body: {}, event: { entry: "s4", cloudEvent } };
    expect(JSON.parse(jobMessage(job))).toEqual({ id: "/s4#e1", model: "churn", event: job.event });
    expect(parseJobMessage(jobMessage(job), "m1")).toEqual({
      ok: true,
      job: { ...job, metadata: undefined },
    });
    const other = {
      ...job,
      event: { ...job.event, cloudEvent: { ...cloudEvent, data: { BusinessPartner: "8" } } },
    };
    expect(jobHash(other)).not.toBe(jobHash(job));
    expect(parseJobMessage({ model: "churn", input, event: job.event }, "m1")).toMatchObject({ ok: false });
  });

  it.each([
    ["text that is neither JSON nor base64 of JSON", "hello {", /not JSON/],
    ["a JSON value that is not an object", [1, 2], /not a JSON object/],
    [
      "a job with both input and instances",
      { model: "churn", input, instances: [input] },
      /not a scoring job/,
    ],
    ["a job without a model", { input }, /not a scoring job/],
    ["a job with an unknown field", { model: "churn", inputs: input }, /not a scoring job/],
    ["an id over 200 characters", { id: "x".repeat(201), model: "churn", input }, /not a scoring job/],
    [
      "a CloudEvent without a source",
      { specversion: "1.0", type: "t", id: "1", data: {} },
      /not a valid CloudEvent/,
    ],
    [
      "a CloudEvent of another spec version",
      { specversion: "0.3", type: "t", source: "/s", id: "1" },
      /not a valid CloudEvent/,
    ],
  ])("refuses %s (a permanent failure, problem 400 invalid-job)", (_what, message, detail) => {
    const parsed = parseJobMessage(message, "m1");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toMatchObject({ status: 400, type: "urn:aicore-relay:problem:invalid-job" });
    expect(parsed.problem.detail).toMatch(detail);
  });

  it("names a malformed message's failed result by the message id when its id is an HTTP producer's", () => {
    for (const id of ["event:/crm#order-7", "predict:k", "webhook:crm#1"]) {
      expect(parseJobMessage({ id, model: 7, input: "x" }, "m1")).toMatchObject({ ok: false, jobId: "m1" });
    }
  });

  it("names every violation of the job shape by pointer, and keeps the job's own id for the failed result", () => {
    const parsed = parseJobMessage({ id: "keep-me", model: 7, input: "x" }, "m1");
    expect(parsed).toMatchObject({ ok: false, jobId: "keep-me" });
    if (parsed.ok) return;
    expect((parsed.problem.errors as { pointer: string }[]).map((e) => e.pointer).sort()).toEqual([
      "/input",
      "/model",
    ]);
  });

  it("writes a job back as the plain JSON message it was read from; the hash ignores the id", () => {
    const job = { id: "j", model: "churn", body: { instances: [input] }, metadata: { k: 1 } };
    expect(parseJobMessage(jobMessage(job), "m")).toEqual({ ok: true, job });
    expect(jobHash({ ...job, id: "other" })).toBe(jobHash(job));
    expect(jobHash({ ...job, metadata: { k: 2 } })).not.toBe(jobHash(job));
  });
});

describe("limits at the door", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}1${"]".repeat(depth)}`;

  it("a job nested deeper than MAX_JOB_DEPTH is not a job: one failed result naming the limit, under its own id", () => {
    const text = `{"id":"deep-1","model":"churn","input":{"tenure":1},"metadata":${nested(9_000)}}`;
    for (const message of [text, JSON.parse(text)]) {
      const parsed = parseJobMessage(message, "msg-1");
      expect(parsed).toMatchObject({
        ok: false,
        jobId: "deep-1",
        problem: { type: "urn:aicore-relay:problem:invalid-job", status: 400 },
      });
      if (!parsed.ok) expect(parsed.problem.detail).toContain(`${MAX_JOB_DEPTH} levels (MAX_JOB_DEPTH)`);
    }
  });

  it("a CloudEvent nested too deep keeps its source#id as the job id; a job at the limit is taken", () => {
    const event = `{"specversion":"1.0","id":"e1","source":"/crm","type":"t","data":${nested(9_000)}}`;
    expect(parseJobMessage(event, "msg-2")).toMatchObject({ ok: false, jobId: "/crm#e1" });
    // The job object is level 1, metadata level 2: 38 more arrays reach exactly MAX_JOB_DEPTH.
    const atLimit = `{"model":"churn","input":{"tenure":1},"metadata":${nested(MAX_JOB_DEPTH - 1)}}`;
    expect(parseJobMessage(atLimit, "msg-3").ok).toBe(true);
    const over = `{"model":"churn","input":{"tenure":1},"metadata":${nested(MAX_JOB_DEPTH)}}`;
    expect(parseJobMessage(over, "msg-4").ok).toBe(false);
  });
});
