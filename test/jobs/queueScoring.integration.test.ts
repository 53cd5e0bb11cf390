import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILED_TYPE, type ResultEvent, resultEventId, SUCCEEDED_TYPE } from "../../src/jobs/jobResult";
import type { DevHostProcess } from "../dev/host/devHostProcess";
import { isolatedApp } from "../support/isolatedApp";
import { startQueueRelay } from "../support/queueRelay";
import { enqueue, QueueReader, queueClient } from "../support/queues";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../support/world";

// The relay's functions in the dev host (queue trigger and output binding against Azurite, the emulator as the
// model server); producers and consumers are plain @azure/storage-queue clients. Failed deliveries come back at
// once (visibilityTimeout 0, set as the host reads overrides: AzureFunctionsJobHost__extensions__queues__*).
const JOBS = "it-scoring-requests";
const RESULTS = "it-scoring-results";

const world = useAzuriteAndEmulator();
let host: DevHostProcess;
let base: string;
let jobs: QueueClient;
let results: QueueReader<ResultEvent>;
let sequence = 0;
const jobId = (name: string) => `${name}-${Date.now()}-${sequence++}`;

// A copy of the app: the test never reads the developer's own local.settings.json or models.json.
const app = isolatedApp();

beforeAll(async () => {
  ({ host, base } = await startQueueRelay(
    world,
    app.root,
    { jobs: JOBS, results: RESULTS },
    {
      AzureFunctionsJobHost__extensions__queues__visibilityTimeout: "00:00:00",
    },
  ));
  jobs = queueClient(world.azurite.connectionString, JOBS);
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS));
});

afterAll(async () => {
  app.remove();
  await results?.stop();
  await host?.stop();
});

async function predictCalls(): Promise<number> {
  return (await world.emulator.control.requests()).byKind.predict ?? 0;
}

function resultsOf(id: string): ResultEvent[] {
  return results.messages.filter((event) => event.subject === id);
}

async function resultOf(id: string): Promise<ResultEvent> {
  await results.waitFor(() => resultsOf(id).length > 0, 20_000, `the result of job ${id}`);
  return resultsOf(id)[0] as ResultEvent;
}

async function getJob(id: string) {
  const response = await fetch(`${base}/jobs/${encodeURIComponent(id)}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("scoring jobs from a storage queue", () => {
  it("scores a job: one succeeded CloudEvent on the results queue, metadata echoed, and a job record", async () => {
    const id = jobId("order-4711-churn");
    await enqueue(
      jobs,
      JSON.stringify({ id, model: "churn", input: CHURN_EXAMPLE, metadata: { orderId: "4711" } }),
    );
    const event = await resultOf(id);
    expect(event).toMatchObject({
      specversion: "1.0",
      id: resultEventId(id, new Date(String(event.time))),
      type: SUCCEEDED_TYPE,
      source: "/models/churn",
      subject: id,
      data: { jobId: id, model: "churn", status: "succeeded", metadata: { orderId: "4711" }, attempts: 1 },
    });
    expect(event.data.deploymentId).toEqual(expect.any(String));
    expect(event.data.prediction).toMatchObject({ churn_probability: expect.any(Number) });
    const record = await getJob(id);
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      id,
      status: "succeeded",
      model: "churn",
      attempts: 1,
      result: { deploymentId: event.data.deploymentId, prediction: event.data.prediction },
    });
    expect(Date.parse(String(record.body.completedAt))).toBeGreaterThanOrEqual(
      Date.parse(String(record.body.createdAt)),
    );
  });

  it("scores a batch job: one prediction per instance, in order", async () => {
    const id = jobId("batch");
    const instances = [CHURN_EXAMPLE, { ...CHURN_EXAMPLE, tenure: 2 }, { ...CHURN_EXAMPLE, tenure: 70 }];
    await enqueue(jobs, JSON.stringify({ id, model: "churn", instances }));
    const event = await resultOf(id);
    expect(event.type).toBe(SUCCEEDED_TYPE);
    const { predictions } = event.data.prediction as { predictions: { churn_probability: number }[] };
    expect(predictions).toHaveLength(3);
    expect(predictions.map((p) => typeof p.churn_probability)).toEqual(["number", "number", "number"]);
  });

  it("accepts base64 of JSON (the SDKs' encoders) and a structured CloudEvent whose data is a job", async () => {
    const b64 = jobId("base64");
    await enqueue(
      jobs,
      Buffer.from(JSON.stringify({ id: b64, model: "churn", input: CHURN_EXAMPLE })).toString("base64"),
    );
    const eventId = jobId("event");
    await enqueue(
      jobs,
      JSON.stringify({
        specversion: "1.0",
        type: "com.example.order.created",
        source: "/orders",
        id: eventId,
        data: { model: "churn", input: CHURN_EXAMPLE },
      }),
    );
    expect((await resultOf(b64)).type).toBe(SUCCEEDED_TYPE);
    expect((await resultOf(`/orders#${eventId}`)).type).toBe(SUCCEEDED_TYPE);
  });

  it("an unknown model and schema violations: one failed result each at once, no retry, nothing poisoned", async () => {
    const before = await predictCalls();
    const unknown = jobId("unknown-model");
    const invalid = jobId("invalid");
    await enqueue(
      jobs,
      JSON.stringify({ id: unknown, model: "no-such-model", input: CHURN_EXAMPLE }),
      JSON.stringify({
        id: invalid,
        model: "churn",
        input: { ...CHURN_EXAMPLE, tenure: -1, region: "north" },
      }),
    );
    const [notFound, violation] = [await resultOf(unknown), await resultOf(invalid)];
    expect(notFound).toMatchObject({
      type: FAILED_TYPE,
      data: { status: "failed", attempts: 1, problem: { status: 404 } },
    });
    expect(violation).toMatchObject({ type: FAILED_TYPE, data: { attempts: 1, problem: { status: 422 } } });
    const pointers = ((violation.data.problem?.errors ?? []) as { pointer: string }[])
      .map((e) => e.pointer)
      .sort();
    expect(pointers).toEqual(["/input/region", "/input/tenure"]);
    expect((await getJob(invalid)).body).toMatchObject({ status: "failed", attempts: 1 });
    expect(await predictCalls()).toBe(before);
    const poison = queueClient(world.azurite.connectionString, `${JOBS}-poison`);
    expect(
      (await poison.exists()) ? (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems : [],
    ).toEqual([]);
    expect(resultsOf(unknown)).toHaveLength(1);
  });

  it("metadata nested 9,000 deep: one failed result at once naming the limit, not a poisoned message", async () => {
    const id = jobId("deep-metadata");
    const metadata = `${"[".repeat(9_000)}1${"]".repeat(9_000)}`;
    await enqueue(
      jobs,
      `{"id":"${id}","model":"churn","input":${JSON.stringify(CHURN_EXAMPLE)},"metadata":${metadata}}`,
    );
    const event = await resultOf(id);
    expect(event).toMatchObject({
      type: FAILED_TYPE,
      data: { jobId: id, status: "failed", attempts: 1, problem: { status: 400 } },
    });
    expect(event.data.problem?.detail).toContain("MAX_JOB_DEPTH");
  });

  it("a message that is not JSON gets a failed result (invalid-job), keyed by the message id", async () => {
    const [messageId] = await enqueue(jobs, "this is not json {");
    const event = await resultOf(messageId as string);
    expect(event).toMatchObject({
      type: FAILED_TYPE,
      data: { problem: { status: 400, type: "urn:aicore-relay:problem:invalid-job" } },
    });
  });

  it("a duplicated message (same job id) is scored once: one upstream call, one result", async () => {
    const id = jobId("duplicate");
    const text = JSON.stringify({ id, model: "churn", input: CHURN_EXAMPLE });
    const before = await predictCalls();
    await enqueue(jobs, text, text, text);
    await resultOf(id);
    // The other copies complete without a result: wait until the queue is drained, then count.
    await expect
      .poll(async () => (await jobs.getProperties()).approximateMessagesCount, { timeout: 10_000 })
      .toBe(0);
    await expect.poll(() => host.output().split(`job ${id}: `).length - 1, { timeout: 10_000 }).toBe(2);
    expect((await predictCalls()) - before).toBe(1);
    expect(resultsOf(id)).toHaveLength(1);
  });
});

describe("a result larger than a queue message (the claim check)", () => {
  it("goes on the results queue as a claim check (dataref, summary in data); GET /api/jobs/{id} serves it whole", async () => {
    // A 200,000-byte answer: its result CloudEvent is three times what a queue message holds.
    await world.emulator.control.setFaults([
      { kinds: ["predict"], times: 1, action: { type: "large", bytes: 200_000 } },
    ]);
    try {
      const id = jobId("large-answer");
      await enqueue(
        jobs,
        JSON.stringify({ id, model: "churn", input: CHURN_EXAMPLE, metadata: { orderId: "4711" } }),
      );
      const event = await resultOf(id);
      expect(event).toMatchObject({
        id: resultEventId(id, new Date(String(event.time))),
        type: SUCCEEDED_TYPE,
        subject: id,
        dataref: `/api/jobs/${id}`,
        data: { jobId: id, model: "churn", status: "succeeded", attempts: 1 },
      });
      expect(event.data.deploymentId).toEqual(expect.any(String));
      expect(event.data).not.toHaveProperty("prediction");
      const record = await getJob(id);
      expect(record.status).toBe(200);
      expect(record.body).toMatchObject({
        id,
        status: "succeeded",
        result: { deploymentId: event.data.deploymentId },
      });
      const prediction = (record.body.result as { prediction: Record<string, unknown> }).prediction;
      expect(prediction).toMatchObject({ churn_probability: expect.any(Number) });
      expect(String(prediction.padding).length).toBeGreaterThan(190_000);
      expect(record.body).not.toHaveProperty("resultOmitted");
      // Exactly one result, and it was not delivered again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(resultsOf(id)).toHaveLength(1);
    } finally {
      await world.emulator.control.clearFaults();
    }
  });
});

describe("Prefer: respond-async on predict", () => {
  it("answers 202 with Location; the job record turns succeeded", async () => {
    const response = await fetch(`${base}/models/churn/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", prefer: "respond-async" },
      body: JSON.stringify(CHURN_EXAMPLE),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get("preference-applied")).toBe("respond-async");
    expect(response.headers.get("retry-after")).toBe("1");
    const accepted = (await response.json()) as { id: string; status: string };
    expect(accepted.status).toBe("queued");
    const location = response.headers.get("location") as string;
    const origin = new URL(base).origin;
    expect(location).toBe(`/api/jobs/${accepted.id}`);
    await expect
      .poll(async () => ((await (await fetch(`${origin}${location}`)).json()) as { status: string }).status, {
        timeout: 20_000,
        interval: 100,
      })
      .toBe("succeeded");
    const job = await getJob(accepted.id);
    expect(job.body.result).toMatchObject({ prediction: { churn_probability: expect.any(Number) } });
    expect((await resultOf(accepted.id)).type).toBe(SUCCEEDED_TYPE);
  });

  it("an Idempotency-Key names the job (predict:<key>): the same body answers the same job, another body 422", async () => {
    const key = jobId("idem");
    const id = `predict:${key}`;
    const send = (body: unknown) =>
      fetch(`${base}/models/churn/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", prefer: "respond-async", "idempotency-key": key },
        body: JSON.stringify(body),
      });
    const first = await send(CHURN_EXAMPLE);
    expect(first.status).toBe(202);
    expect(((await first.json()) as { id: string }).id).toBe(id);
    await resultOf(id);
    const again = await send(CHURN_EXAMPLE);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id, status: "succeeded" });
    const other = await send({ ...CHURN_EXAMPLE, tenure: 1 });
    expect(other.status).toBe(422);
    expect(other.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(resultsOf(id)).toHaveLength(1);
  });

  it("validates as today: a schema violation is 422 and no job is made", async () => {
    const response = await fetch(`${base}/models/churn/predict`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        prefer: "respond-async",
        "idempotency-key": jobId("bad"),
      },
      body: JSON.stringify({ ...CHURN_EXAMPLE, tenure: -3 }),
    });
    expect(response.status).toBe(422);
  });

  it("a request too large for a queue message (64 KiB) is 413, not accepted", async () => {
    const extras = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`feature${i}`, 123456.789 + i]));
    const instances = Array.from({ length: 100 }, () => ({ ...CHURN_EXAMPLE, ...extras }));
    const response = await fetch(`${base}/models/churn/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", prefer: "respond-async" },
      body: JSON.stringify({ instances }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ maxBytes: 65536 });
  });

  it("GET /api/jobs/{id} of an unknown id is 404 problem+json", async () => {
    const job = await getJob("never-submitted");
    expect(job.status).toBe(404);
    expect(job.body).toMatchObject({ status: 404, type: "urn:aicore-relay:problem:unknown-job" });
  });
});

describe("a model server failing every call", () => {
  it("is tried on 5 deliveries; the last writes a failed result, then the message goes to the poison queue", async () => {
    await world.emulator.control.setFaults([
      { kinds: ["predict"], fraction: 1, action: { type: "status", status: 503 } },
    ]);
    try {
      const id = jobId("outage");
      await enqueue(jobs, JSON.stringify({ id, model: "churn", input: CHURN_EXAMPLE }));
      const event = await resultOf(id);
      expect(event).toMatchObject({ type: FAILED_TYPE, data: { status: "failed", attempts: 5 } });
      expect(event.data.problem?.status).toBeGreaterThanOrEqual(502);
      const poison = queueClient(world.azurite.connectionString, `${JOBS}-poison`);
      await expect
        .poll(
          async () => (await poison.exists()) && (await poison.peekMessages()).peekedMessageItems.length,
          {
            timeout: 20_000,
          },
        )
        .toBe(1);
      const [parked] = (await poison.peekMessages()).peekedMessageItems;
      expect(JSON.parse(parked?.messageText ?? "{}").id).toBe(id);
      expect((await getJob(id)).body).toMatchObject({ status: "failed", attempts: 5 });
      expect(resultsOf(id)).toHaveLength(1);
    } finally {
      await world.emulator.control.clearFaults();
    }
  });
});
