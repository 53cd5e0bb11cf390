import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ResultEvent, resultEventId } from "../../src/jobs/jobResult";
import { DevHostProcess, requireBuild } from "../dev/host/devHostProcess";
import { isolatedApp } from "../support/isolatedApp";
import { enqueue, QueueReader, queueClient } from "../support/queues";
import { startTcpPassThrough } from "../support/tcpPassThrough";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../support/world";

// Record first, then complete: Table storage (and only it: a TCP pass-through in front of Azurite's table
// endpoint) hangs while a job completes. The delivery must fail rather than publish a result whose record stays
// `running`; the queue delivers the job again and that run records and publishes it, once.
const JOBS = "rbp-scoring-requests";
const RESULTS = "rbp-scoring-results";

const world = useAzuriteAndEmulator();
let host: DevHostProcess;
let base: string;
let jobs: QueueClient;
let results: QueueReader<ResultEvent>;
let tables: Awaited<ReturnType<typeof startTcpPassThrough>>;
const app = isolatedApp();

beforeAll(async () => {
  requireBuild();
  const tablePort = Number(
    /TableEndpoint=http:\/\/127\.0\.0\.1:(\d+)\//.exec(world.azurite.connectionString)?.[1],
  );
  tables = await startTcpPassThrough(tablePort);
  const connection = world.azurite.connectionString.replace(
    /TableEndpoint=http:\/\/127\.0\.0\.1:\d+\//,
    `TableEndpoint=http://127.0.0.1:${tables.port}/`,
  );
  host = new DevHostProcess(["--app-root", app.root, "--port", "0"], {
    AICORE_SERVICE_KEY: JSON.stringify(world.emulator.serviceKey),
    AzureWebJobsStorage: connection,
    SCORING_QUEUE: JOBS,
    RESULTS_QUEUE: RESULTS,
    STORAGE_TIMEOUT_MS: "1000",
    AzureFunctionsJobHost__extensions__queues__visibilityTimeout: "00:00:00",
    AzureFunctionsJobHost__extensions__queues__maxPollingInterval: "00:00:00.200",
  });
  base = `${(await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/, 30_000))[1]}/api`;
  jobs = queueClient(world.azurite.connectionString, JOBS);
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS));
});

afterAll(async () => {
  tables?.release();
  await world.emulator.control.clearFaults();
  app.remove();
  await results?.stop();
  await host?.stop();
  await tables?.close();
});

async function jobStatus(id: string): Promise<unknown> {
  const response = await fetch(`${base}/jobs/${encodeURIComponent(id)}`);
  return ((await response.json()) as { status?: unknown }).status;
}

describe("a job record that cannot be written when the job completes", () => {
  it("fails the delivery instead of publishing; the next delivery records and publishes the result, once", async () => {
    // The prediction takes 1.5 s: Table storage is made to hang once it has arrived (the job is claimed), before
    // the job completes.
    await world.emulator.control.setFaults([
      { kinds: ["predict"], times: 1, action: { type: "latency", ms: 1_500 } },
    ]);
    const id = `record-hangs-${Date.now()}`;
    await enqueue(jobs, JSON.stringify({ id, model: "churn", input: CHURN_EXAMPLE }));
    await expect
      .poll(async () => (await world.emulator.control.faults()).rules[0]?.injected, {
        timeout: 15_000,
        interval: 20,
      })
      .toBe(1);
    tables.hold();
    await host.waitForLine(new RegExp(`job ${id}: result not recorded`), 10_000);
    // The completion never arrives: its connection is reset.
    tables.release({ drop: true });
    await expect.poll(() => jobStatus(id), { timeout: 20_000, interval: 200 }).toBe("succeeded");
    await results.waitFor((events) => events.some((event) => event.subject === id), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const published = results.messages.filter((event) => event.subject === id);
    // One result id, whatever run made the result that went out.
    expect(new Set(published.map((event) => event.id)).size).toBe(1);
    expect(published[0]?.id).toBe(resultEventId(id, new Date(String(published[0]?.time))));
    expect(published[0]?.data.status).toBe("succeeded");
  });
});
