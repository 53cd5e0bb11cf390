import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobProcessor, TransientJobFailure } from "../../src/jobs/jobProcessor";
import type { ResultEvent } from "../../src/jobs/jobResult";
import { JobStore } from "../../src/jobs/jobStore";
import type { Scorer } from "../../src/scoring/scorer";
import { startAzurite } from "../support/azurite";

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let store: JobStore;

beforeAll(async () => {
  azurite = await startAzurite();
  store = new JobStore(
    { kind: "connectionString", connectionString: azurite.connectionString },
    { ttlMs: 3_600_000 },
  );
});

afterAll(async () => {
  await azurite?.stop();
});

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** A processor whose scoring throws `error` (as the relay's own code would on an input it cannot handle). */
function processorThrowing(error: Error) {
  const published: ResultEvent[] = [];
  const scorer: Pick<Scorer, "model" | "score"> = {
    model: () => {
      throw error;
    },
    score: () => Promise.reject(error),
  };
  const processor = new JobProcessor(
    scorer,
    store,
    { publish: async (event) => void published.push(event) },
    { maxDequeueCount: 5 },
  );
  return { processor, published };
}

const job = (id: string) => ({ id, model: "churn", input: { region: 1 } });

describe("an unexpected error while a job is scored", () => {
  it("that the input caused (a stack overflow) fails the job at its first delivery, with one failed result", async () => {
    const { processor, published } = processorThrowing(new RangeError("Maximum call stack size exceeded"));
    const result = await processor.process(job("overflow-1"), { messageId: "m1", dequeueCount: 1 }, quiet);
    expect(result?.data).toMatchObject({
      jobId: "overflow-1",
      status: "failed",
      problem: { status: 500, type: expect.stringContaining("internal-error") },
    });
    expect(await store.get("overflow-1", new Date())).toMatchObject({ status: "failed" });
    expect(published).toEqual([]); // the output binding carries it: the message completes
  });

  it("of another kind is retried by the host until its last delivery", async () => {
    const { processor, published } = processorThrowing(new Error("socket hang up"));
    await expect(
      processor.process(job("other-1"), { messageId: "m2", dequeueCount: 1 }, quiet),
    ).rejects.toBeInstanceOf(TransientJobFailure);
    expect(published).toEqual([]);
    // The last delivery publishes the failed result itself and still fails, so that the message is poisoned.
    await expect(
      processor.process(job("other-1"), { messageId: "m2", dequeueCount: 5 }, quiet),
    ).rejects.toBeInstanceOf(TransientJobFailure);
    expect(published.map((event) => event.data)).toMatchObject([{ jobId: "other-1", status: "failed" }]);
  });
});
