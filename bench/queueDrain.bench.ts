import { TableClient } from "@azure/data-tables";
import { it } from "vitest";
import type { ResultEvent } from "../src/jobs/jobResult";
import { DevHostProcess, REPO_ROOT, requireBuild } from "../test/dev/host/devHostProcess";
import { QueueReader, queueClient } from "../test/support/queues";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../test/support/world";

// The queue path against synchronous HTTP, in one run, through the same dev host serving the built app (the
// shipped host.json: batchSize 32, newBatchThreshold 16, maxPollingInterval 2 s), Azurite and the emulator as
// processes on the same 2-core machine.
const COUNT = 1000;
const HTTP_CONCURRENCY = 32;

const world = useAzuriteAndEmulator();

async function inParallel(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** What one Azurite process does per second at concurrency 32, for each storage operation a queued job costs. */
async function storageOperationRates(connectionString: string): Promise<string> {
  const rate = async (count: number, task: (i: number) => Promise<unknown>) => {
    const started = performance.now();
    await inParallel(count, 32, async (i) => {
      await task(i);
    });
    return (count / ((performance.now() - started) / 1000)).toFixed(0);
  };
  const queue = queueClient(connectionString, "bench-rates");
  await queue.createIfNotExists();
  const table = TableClient.fromConnectionString(connectionString, "benchrates", {
    allowInsecureConnection: true,
  });
  await table.createTable();
  const put = await rate(1000, (i) => queue.sendMessage(`m${i}`));
  const received: { messageId: string; popReceipt: string }[] = [];
  while (received.length < 1000)
    received.push(...(await queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems);
  const remove = await rate(1000, (i) =>
    queue.deleteMessage(received[i]?.messageId ?? "", received[i]?.popReceipt ?? ""),
  );
  const insert = await rate(1000, (i) =>
    table.createEntity({ partitionKey: String(i % 256), rowKey: `r${i}`, v: 1 }),
  );
  const update = await rate(1000, (i) =>
    table.updateEntity({ partitionKey: String(i % 256), rowKey: `r${i}`, v: 2 }, "Replace"),
  );
  return `Azurite operations/s at concurrency 32: message put ${put}, message delete ${remove}, entity insert ${insert}, entity update ${update}`;
}

async function predictCalls(): Promise<number> {
  return (await world.emulator.control.requests()).byKind.predict ?? 0;
}

it("drains 1,000 queued jobs, against the same 1,000 predictions over HTTP", async () => {
  requireBuild();
  const host = new DevHostProcess(["--app-root", REPO_ROOT, "--port", "0"], {
    AICORE_SERVICE_KEY: JSON.stringify(world.emulator.serviceKey),
    AzureWebJobsStorage: world.azurite.connectionString,
    SCORING_QUEUE: "bench-jobs",
    RESULTS_QUEUE: "bench-results",
  });
  try {
    const base = `${(await host.waitForLine(/^dev host listening at (http:\/\/\S+)$/, 30_000))[1]}/api`;
    const predict = async (i: number) => {
      const response = await fetch(`${base}/models/churn/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...CHURN_EXAMPLE, tenure: i % 70 }),
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`predict answered ${response.status}`);
    };
    const jobs = queueClient(world.azurite.connectionString, "bench-jobs");
    const results = new QueueReader<ResultEvent>(
      queueClient(world.azurite.connectionString, "bench-results"),
    );
    await jobs.createIfNotExists();
    const enqueueAll = (prefix: string, count: number) =>
      inParallel(count, 32, async (i) => {
        await jobs.sendMessage(
          JSON.stringify({
            id: `${prefix}-${i}`,
            model: "churn",
            input: { ...CHURN_EXAMPLE, tenure: i % 70 },
          }),
        );
      });
    const drained = (prefix: string, count: number) =>
      results.waitFor(
        (events) => events.filter((e) => String(e.subject).startsWith(`${prefix}-`)).length >= count,
        300_000,
        `${count} results of ${prefix}`,
      );

    // Warm both paths (JIT, sockets, tables, queues).
    await inParallel(200, HTTP_CONCURRENCY, predict);
    await enqueueAll("warm", 200);
    await drained("warm", 200);

    const httpStart = performance.now();
    await inParallel(COUNT, HTTP_CONCURRENCY, predict);
    const httpSeconds = (performance.now() - httpStart) / 1000;

    // While the queue drains the consumer only counts the results (one call per poll); it reads them afterwards.
    await results.stop();
    const resultsQueue = queueClient(world.azurite.connectionString, "bench-results");
    const before = await predictCalls();
    const queueStart = performance.now();
    await enqueueAll("bench", COUNT);
    const enqueuedSeconds = (performance.now() - queueStart) / 1000;
    while (((await resultsQueue.getProperties()).approximateMessagesCount ?? 0) < COUNT) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const queueSeconds = (performance.now() - queueStart) / 1000;
    const calls = (await predictCalls()) - before;
    const reader = new QueueReader<ResultEvent>(resultsQueue);
    await reader.waitFor((events) => events.length >= COUNT, 60_000, "the results");
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a straggler (a result twice) would show now
    await reader.stop();
    results.messages.push(...reader.messages);

    const mine = results.messages.filter((e) => String(e.subject).startsWith("bench-"));
    const subjects = new Set(mine.map((e) => e.subject));
    const succeeded = mine.filter((e) => e.type === "aicore-relay.prediction.succeeded").length;
    const httpRate = COUNT / httpSeconds;
    const queueRate = COUNT / queueSeconds;
    console.log(
      [
        "| path | jobs | wall s | per second |",
        "|---|---|---|---|",
        `| HTTP predict, concurrency ${HTTP_CONCURRENCY} | ${COUNT} | ${httpSeconds.toFixed(2)} | ${httpRate.toFixed(0)} |`,
        `| queue: enqueue at once (${enqueuedSeconds.toFixed(2)} s) and drain | ${COUNT} | ${queueSeconds.toFixed(2)} | ${queueRate.toFixed(0)} |`,
        `queue / HTTP: ${(queueRate / httpRate).toFixed(2)}x; ${subjects.size} jobs with a result, ${mine.length} result messages, ${succeeded} succeeded, ${calls} model calls`,
      ].join("\n"),
    );
    console.log(await storageOperationRates(world.azurite.connectionString));
    if (subjects.size !== COUNT || mine.length !== COUNT || calls !== COUNT) {
      throw new Error(
        `a job was lost or scored twice: ${subjects.size} jobs, ${mine.length} results, ${calls} calls`,
      );
    }
  } finally {
    await host.stop();
  }
});
