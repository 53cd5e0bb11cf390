import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultEvent } from "../../src/jobs/jobResult";
import { JobStore } from "../../src/jobs/jobStore";
import { ResultBlobs } from "../../src/jobs/resultBlobs";
import { startAzurite } from "../support/azurite";

const HOUR = 3_600_000;
const t0 = new Date("2026-11-27T10:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let store: JobStore;

beforeAll(async () => {
  azurite = await startAzurite();
  store = new JobStore(
    { kind: "connectionString", connectionString: azurite.connectionString },
    { ttlMs: 24 * HOUR },
  );
});

afterAll(async () => {
  await azurite?.stop();
});

const succeeded = (jobId: string, attempts = 1) =>
  resultEvent(
    { jobId, model: "churn", status: "succeeded", deploymentId: "d1", prediction: { p: 1 }, attempts },
    t0,
  );

describe("job records", () => {
  it("a job claimed, then completed: done for every later delivery, with the recorded result event", async () => {
    const claimed = await store.claim("a", "churn", "h", { messageId: "m1", dequeueCount: 1 }, t0);
    expect(claimed.outcome).toBe("claimed");
    if (claimed.outcome !== "claimed") return;
    expect(
      await store.complete(claimed.claim, succeeded("a"), { messageId: "m1", dequeueCount: 1 }, at(1000)),
    ).toBe(true);
    const again = await store.claim("a", "churn", "h", { messageId: "m2", dequeueCount: 1 }, at(2000));
    expect(again).toMatchObject({
      outcome: "done",
      job: { status: "succeeded", messageId: "m1", event: succeeded("a") },
    });
    expect(await store.get("a", at(3000))).toMatchObject({
      id: "a",
      status: "succeeded",
      attempts: 1,
      createdAt: t0.toISOString(),
      completedAt: at(1000).toISOString(),
      result: { deploymentId: "d1", prediction: { p: 1 } },
    });
  });

  it("the same message delivered again after its host died takes the claim over; another message does not", async () => {
    const first = await store.claim("b", "churn", "h", { messageId: "m1", dequeueCount: 1 }, t0);
    expect(first.outcome).toBe("claimed");
    expect(
      (await store.claim("b", "churn", "h", { messageId: "m2", dequeueCount: 1 }, at(1000))).outcome,
    ).toBe("in-progress");
    const redelivered = await store.claim("b", "churn", "h", { messageId: "m1", dequeueCount: 2 }, at(2000));
    expect(redelivered.outcome).toBe("claimed");
    // The dead run's claim is no longer valid: its late completion is refused.
    if (first.outcome === "claimed") {
      expect(
        await store.complete(first.claim, succeeded("b"), { messageId: "m1", dequeueCount: 1 }, at(3000)),
      ).toBe(false);
    }
  });

  it("a job accepted over HTTP is queued until a delivery claims it; a retry gives it back as queued", async () => {
    expect(await store.accept("c", "churn", "h", t0)).toBeUndefined();
    expect(await store.accept("c", "churn", "h", at(1))).toMatchObject({ status: "queued", hash: "h" });
    expect(await store.accept("c", "churn", "other", at(2))).toMatchObject({ hash: "h" });
    const claimed = await store.claim("c", "churn", "h", { messageId: "m1", dequeueCount: 1 }, at(1000));
    expect(claimed.outcome).toBe("claimed");
    expect(await store.get("c", at(1001))).toMatchObject({ status: "running", createdAt: t0.toISOString() });
    if (claimed.outcome !== "claimed") return;
    await store.retryLater(claimed.claim, { messageId: "m1", dequeueCount: 1 }, at(2000));
    expect(await store.get("c", at(2001))).toMatchObject({
      status: "queued",
      attempts: 1,
      createdAt: t0.toISOString(),
    });
    expect(
      (await store.claim("c", "churn", "other", { messageId: "m9", dequeueCount: 1 }, at(3000))).outcome,
    ).toBe("body-mismatch");
  });

  it("expires after JOB_TTL_HOURS: unknown to GET, and purged", async () => {
    const purgeStore = new JobStore(
      { kind: "connectionString", connectionString: azurite.connectionString },
      { ttlMs: 24 * HOUR, tableName: "purgejobs" },
    );
    for (let i = 0; i < 150; i++) await purgeStore.accept(`old-${i}`, "churn", "h", t0);
    await purgeStore.accept("recent", "churn", "h", at(20 * HOUR));
    expect(await purgeStore.get("old-1", at(25 * HOUR))).toBeUndefined();
    expect(await purgeStore.purgeExpired(at(23 * HOUR))).toBe(0);
    expect(await purgeStore.purgeExpired(at(25 * HOUR))).toBe(150);
    expect(await purgeStore.get("recent", at(25 * HOUR))).toMatchObject({ status: "queued" });
  });

  it("relays of two AI Core instances on one storage account keep their job ids apart (the same Idempotency-Key is two jobs)", async () => {
    const connection = { kind: "connectionString" as const, connectionString: azurite.connectionString };
    const dev = new JobStore(connection, { ttlMs: 24 * HOUR, scope: "https://api.ai.dev.example.test" });
    const prod = new JobStore(connection, { ttlMs: 24 * HOUR, scope: "https://api.ai.prod.example.test" });
    expect(await dev.accept("order-42", "churn", "dev-hash", t0)).toBeUndefined();
    // Not "job-id-reused" against the other relay's job, and never its record.
    expect(await prod.accept("order-42", "churn", "prod-hash", t0)).toBeUndefined();
    expect(await dev.get("order-42", at(1000))).toMatchObject({ id: "order-42", status: "queued" });
    expect(await prod.accept("order-42", "churn", "prod-hash", at(2000))).toMatchObject({
      hash: "prod-hash",
    });
  });
});

describe("a job record with a pending callback", () => {
  const delivery = { messageId: "m1", dequeueCount: 1 };
  const url = "http://127.0.0.1:9/hooks?token=t0k3n";

  async function done(jobId: string, keepUntil?: Date) {
    const claimed = await store.claim(jobId, "churn", "h", delivery, t0);
    if (claimed.outcome !== "claimed") throw new Error(`not claimed: ${claimed.outcome}`);
    const progress = { state: "pending" as const, attempts: 0, at: t0, ...(keepUntil ? { keepUntil } : {}) };
    expect(await store.complete(claimed.claim, succeeded(jobId), delivery, t0, { url, progress })).toBe(true);
  }

  it("outlives JOB_TTL_HOURS until the callback's last attempt can run, and each attempt can push that further", async () => {
    await done("cb-keep", at(72 * HOUR));
    // Past the 24 h TTL: still there for the callback attempts and for GET.
    expect(await store.callbackSubject("cb-keep", at(30 * HOUR))).toMatchObject({
      callback: { state: "pending" },
    });
    expect((await store.get("cb-keep", at(71 * HOUR)))?.status).toBe("succeeded");
    // A Retry-After pushed the next attempt out: the record follows it.
    await store.recordCallback(
      "cb-keep",
      { state: "pending", attempts: 5, at: at(60 * HOUR), keepUntil: at(100 * HOUR) },
      at(60 * HOUR),
    );
    expect(await store.get("cb-keep", at(99 * HOUR))).toBeDefined();
    expect(await store.get("cb-keep", at(101 * HOUR))).toBeUndefined();
  });

  it("a replay restarts the callback as a new series with the whole URL, from any state; not for jobs not done or without one", async () => {
    await done("cb-replay");
    await store.recordCallback(
      "cb-replay",
      { state: "failed", attempts: 10, lastStatus: 500, at: at(HOUR) },
      at(HOUR),
    );
    expect(await store.restartCallback("cb-replay", at(2 * HOUR), at(80 * HOUR))).toEqual({
      outcome: "restarted",
      url,
      series: 1,
    });
    expect((await store.get("cb-replay", at(2 * HOUR)))?.callback).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:9\//),
      state: "pending",
      attempts: 0,
      series: 1,
    });
    // An attempt of the first series records nothing any more.
    await store.recordCallback(
      "cb-replay",
      { state: "delivered", attempts: 11, lastStatus: 200, at: at(3 * HOUR) },
      at(3 * HOUR),
    );
    expect((await store.get("cb-replay", at(3 * HOUR)))?.callback?.state).toBe("pending");
    expect((await store.restartCallback("cb-replay", at(4 * HOUR), at(80 * HOUR))).outcome).toBe("restarted");
    expect((await store.get("cb-replay", at(79 * HOUR)))?.callback?.series).toBe(2);

    await store.claim("cb-running", "churn", "h", delivery, t0);
    expect(await store.restartCallback("cb-running", at(1000), at(HOUR))).toEqual({
      outcome: "not-done",
      status: "running",
    });
    const claimed = await store.claim("cb-none", "churn", "h", delivery, t0);
    if (claimed.outcome === "claimed")
      await store.complete(claimed.claim, succeeded("cb-none"), delivery, t0);
    expect(await store.restartCallback("cb-none", at(1000), at(HOUR))).toEqual({ outcome: "no-callback" });
    expect(await store.restartCallback("cb-unknown", at(1000), at(HOUR))).toEqual({ outcome: "unknown-job" });
  });
});

describe("whole results of claim-checked jobs", () => {
  it("the purge deletes the stored results of records that are gone, and keeps those of records still alive", async () => {
    const connection = { kind: "connectionString" as const, connectionString: azurite.connectionString };
    const blobs = new ResultBlobs(connection, "purge-results");
    const withBlobs = new JobStore(connection, { ttlMs: 24 * HOUR, tableName: "purgejobs", blobs });
    const wall = new Date();
    const delivery = { messageId: "m1", dequeueCount: 1 };
    const claimed = await withBlobs.claim("p-alive", "churn", "h", delivery, wall);
    if (claimed.outcome !== "claimed") throw new Error("not claimed");
    const progress = {
      state: "pending" as const,
      attempts: 0,
      at: wall,
      keepUntil: new Date(wall.getTime() + 100 * HOUR),
    };
    await withBlobs.complete(
      claimed.claim,
      succeeded("p-alive"),
      delivery,
      wall,
      { url: "http://127.0.0.1:9/h", progress },
      withBlobs.resultBlobName("p-alive"),
    );
    await blobs.put(withBlobs.resultBlobName("p-alive"), Buffer.from("{}"));
    await blobs.put(withBlobs.resultBlobName("p-gone"), Buffer.from("{}"));
    // Two days on: both blobs are older than JOB_TTL_HOURS; only p-alive's record (its callback pending) lives.
    await withBlobs.purgeExpired(new Date(wall.getTime() + 48 * HOUR));
    expect(await blobs.get(withBlobs.resultBlobName("p-alive"))).toBeDefined();
    expect(await blobs.get(withBlobs.resultBlobName("p-gone"))).toBeUndefined();
  });
});
