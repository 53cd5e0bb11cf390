import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultEvent } from "../../src/jobs/jobResult";
import type { DevHostProcess } from "../dev/host/devHostProcess";
import { isolatedApp } from "../support/isolatedApp";
import { startQueueRelay } from "../support/queueRelay";
import { enqueue, QueueReader, queueClient } from "../support/queues";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../support/world";

// A queued job against a model server that trickles its answer: the delivery ends at REQUEST_DEADLINE_MS (the
// socket dropped), the queue delivers the job again, and the next delivery scores it.
const JOBS = "deadline-scoring-requests";
const RESULTS = "deadline-scoring-results";

const world = useAzuriteAndEmulator();
let host: DevHostProcess;
let jobs: QueueClient;
let results: QueueReader<ResultEvent>;
const app = isolatedApp();

beforeAll(async () => {
  ({ host } = await startQueueRelay(
    world,
    app.root,
    { jobs: JOBS, results: RESULTS },
    {
      REQUEST_DEADLINE_MS: "2000",
      AzureFunctionsJobHost__extensions__queues__visibilityTimeout: "00:00:00",
    },
  ));
  jobs = queueClient(world.azurite.connectionString, JOBS);
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS));
});

afterAll(async () => {
  await world.emulator.control.clearFaults();
  app.remove();
  await results?.stop();
  await host?.stop();
});

describe("a job whose model server trickles its answer", () => {
  it("costs its delivery REQUEST_DEADLINE_MS, not the trickle: the next delivery scores it", async () => {
    // Headers at once, then a byte every 100 ms of a 10,000-byte answer: 1,000 s unless the deadline cuts it.
    await world.emulator.control.setFaults([
      { kinds: ["predict"], times: 1, action: { type: "trickle", intervalMs: 100, bytes: 10_000 } },
    ]);
    const id = `trickled-${Date.now()}`;
    const started = performance.now();
    await enqueue(jobs, JSON.stringify({ id, model: "churn", input: CHURN_EXAMPLE }));
    await results.waitFor(
      () => results.messages.some((event) => event.subject === id),
      15_000,
      `the result of job ${id}`,
    );
    const event = results.messages.find((message) => message.subject === id) as ResultEvent;
    expect(event.data).toMatchObject({ status: "succeeded", attempts: 2 });
    expect(performance.now() - started).toBeLessThan(2_000 + 8_000);
  });
});
