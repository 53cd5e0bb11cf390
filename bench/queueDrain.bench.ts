import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { it } from "vitest";
import type { ResultEvent } from "../src/jobs/jobResult";
import { DevHostProcess, REPO_ROOT, requireBuild } from "../test/dev/host/devHostProcess";
import { QueueReader, queueClient } from "../test/support/queues";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../test/support/world";
import { type CpuSeconds, cpuSeconds, cpuSpent, machineBusySeconds } from "./support/processCpu";
import { progress, RESULTS_DIR, writeResult } from "./support/results";

// The queue path against synchronous HTTP, in one run, through the same dev host serving the built app (the
// shipped host.json: batchSize 32, newBatchThreshold 16, maxPollingInterval 2 s), Azurite and the emulator as
// processes on the same 2-core machine.
const COUNT = 1000;
const HTTP_CONCURRENCY = 32;
/** How often the consumer counts the results while the queue drains (Azurite: about 0.4 ms of its CPU a count). */
const RESULTS_POLL_MS = 20;

// Azurite counts the requests it answers by operation (bench/support/countStorageOperations.cjs): the preload is
// handed to the processes the world starts below; only Azurite acts on it.
const STORAGE_COUNTS = path.join(RESULTS_DIR, "azurite-operations.json");
rmSync(STORAGE_COUNTS, { force: true });
process.env.BENCH_STORAGE_COUNTS = STORAGE_COUNTS;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --require ${path.join(__dirname, "support", "countStorageOperations.cjs")}`;

const world = useAzuriteAndEmulator();

/** Azurite's requests so far by operation, once its counter has written the latest (it writes every 100 ms). */
async function storageOperations(): Promise<Record<string, number>> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  return existsSync(STORAGE_COUNTS) ? JSON.parse(readFileSync(STORAGE_COUNTS, "utf8")) : {};
}

/**
 * The benchmark's own operations (the producer's puts; the consumer's counts and reads of the results): every other
 * one is the relay's, the results' puts among them.
 */
const isBenchOwn = (operation: string) =>
  operation === "queue put (bench-jobs)" ||
  (operation.endsWith("(bench-results)") && operation !== "queue put (bench-results)");

interface OperationCounts {
  /** Per job (or prediction), by operation; the relay's (the dev host serving the app) and the benchmark's own. */
  relay: Record<string, number>;
  bench: Record<string, number>;
  relayPerJob: number;
}

function operationsPerJob(
  before: Record<string, number>,
  after: Record<string, number>,
  count: number,
): OperationCounts {
  const relay: Record<string, number> = {};
  const bench: Record<string, number> = {};
  for (const [operation, n] of Object.entries(after)) {
    const spent = n - (before[operation] ?? 0);
    if (spent <= 0) continue;
    (isBenchOwn(operation) ? bench : relay)[operation] = Number((spent / count).toFixed(4));
  }
  const relayPerJob = Number(
    Object.values(relay)
      .reduce((sum, n) => sum + n, 0)
      .toFixed(3),
  );
  return { relay, bench, relayPerJob };
}

function operationLines(counts: OperationCounts): string {
  const sorted = (record: Record<string, number>) =>
    Object.entries(record)
      .sort((a, b) => b[1] - a[1])
      .map(([operation, n]) => `    ${n.toFixed(3)} ${operation}`);
  return [
    `  the relay's: ${counts.relayPerJob.toFixed(3)} in all`,
    ...sorted(counts.relay),
    "  the benchmark's own (producer's puts, consumer's counts and reads):",
    ...sorted(counts.bench),
  ].join("\n");
}

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

/**
 * What each storage operation of a queued job costs one Azurite process, in its CPU ms and per second at
 * concurrency 32: the queue's operations with no other messages held and with 1,000 (as while the queue drains: the
 * backlog and the results), since Azurite's in-memory store re-indexes every message it holds on each receive and
 * delete; then the job table's.
 */
async function storageOperationCosts(connectionString: string): Promise<string> {
  const cost = async (count: number, concurrency: number, task: (i: number) => Promise<unknown>) => {
    const cpu = cpuSeconds(PROCESSES).azurite ?? 0;
    const started = performance.now();
    await inParallel(count, concurrency, async (i) => {
      await task(i);
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = (((cpuSeconds(PROCESSES).azurite ?? 0) - cpu) * 1000) / count;
    return `${cpuMs.toFixed(2)} ms (${(count / seconds).toFixed(0)}/s)`;
  };
  const MESSAGES = 320;
  const queueCosts = async (name: string) => {
    const queue = queueClient(connectionString, name);
    await queue.createIfNotExists();
    const put = await cost(MESSAGES, 32, (i) => queue.sendMessage(`m${i}`));
    const received: { messageId: string; popReceipt: string }[] = [];
    const receive = await cost(MESSAGES / 32, 1, async () => {
      received.push(...(await queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems);
    });
    const remove = await cost(MESSAGES, 32, (i) =>
      queue.deleteMessage(received[i]?.messageId ?? "", received[i]?.popReceipt ?? ""),
    );
    return `message put ${put}, receive of 32 ${receive}, message delete ${remove}`;
  };
  const alone = await queueCosts("bench-costs-alone");
  const ballast = queueClient(connectionString, "bench-ballast");
  await ballast.createIfNotExists();
  await inParallel(1000, 32, (i) => ballast.sendMessage(`b${i}`).then(() => undefined));
  const crowded = await queueCosts("bench-costs-crowded");
  const count = await cost(100, 1, () => ballast.getProperties());
  const table = TableClient.fromConnectionString(connectionString, "benchcosts", {
    allowInsecureConnection: true,
  });
  await table.createTable();
  const insert = await cost(1000, 32, (i) =>
    table.createEntity({ partitionKey: String(i % 256), rowKey: `r${i}`, v: 1 }),
  );
  const update = await cost(1000, 32, (i) =>
    table.updateEntity({ partitionKey: String(i % 256), rowKey: `r${i}`, v: 2 }, "Replace"),
  );
  return [
    "Azurite CPU per operation (concurrency 32):",
    `  ${MESSAGES} messages, no others held: ${alone}`,
    `  ${MESSAGES} messages, 1,000 others held: ${crowded}, queue properties (message count) ${count}`,
    `  job table: entity insert ${insert}, entity update ${update}`,
  ].join("\n");
}

const PROCESSES: [RegExp, string][] = [
  [/azurite\.js/, "azurite"],
  [/emulator\/main\.js/, "emulator"],
  [/host\/main\.js/, "dev host"],
];

interface Phase {
  wallSeconds: number;
  spent: CpuSeconds;
  /** What the whole machine spent meanwhile, other people's processes included. */
  machineSeconds: number;
}

async function measured(task: () => Promise<void>): Promise<Phase> {
  const cpu = cpuSeconds(PROCESSES);
  const machine = machineBusySeconds();
  const started = performance.now();
  await task();
  return {
    wallSeconds: (performance.now() - started) / 1000,
    spent: cpuSpent(cpu, cpuSeconds(PROCESSES)),
    machineSeconds: machineBusySeconds() - machine,
  };
}

/** CPU seconds all the benchmark's processes spent in a phase. */
function total(phase: Phase): number {
  return Object.values(phase.spent).reduce((sum, seconds) => sum + seconds, 0);
}

/** CPU ms per job of each process in a phase; how many cores they kept busy, and the machine as a whole. */
function cpuLine(phase: Phase, count: number): string {
  const { spent, wallSeconds, machineSeconds } = phase;
  const seconds = total(phase);
  const each = Object.entries(spent)
    .map(([name, used]) => `${name} ${((used * 1000) / count).toFixed(2)}`)
    .join(", ");
  return (
    `CPU ms per job: ${each}; total ${((seconds * 1000) / count).toFixed(2)}; ` +
    `these processes kept ${(seconds / wallSeconds).toFixed(2)} cores busy, the machine ${(machineSeconds / wallSeconds).toFixed(2)}`
  );
}

/** The dev host's outgoing requests so far, by method and path shape (bench/support/countRequests.cjs). */
async function requestCounts(host: DevHostProcess): Promise<Record<string, number>> {
  const from = host.lines.length;
  host.child.kill("SIGUSR2");
  const match = await host.waitForLine(/^bench-requests (.*)$/, 10_000, from);
  return JSON.parse(match[1] ?? "{}");
}

function requestsLine(before: Record<string, number>, after: Record<string, number>, count: number) {
  return Object.entries(after)
    .map(([key, n]) => [key, n - (before[key] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `  ${(n / count).toFixed(3)} per job: ${key}`)
    .join("\n");
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
    // Counts its requests; with BENCH_CPU_PROF=<dir> also profiles it while the queue drains.
    NODE_OPTIONS: `--require ${path.join(__dirname, "support", "countRequests.cjs")}`,
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

    // Each path is warmed (JIT, sockets, tables, queues) right before it is measured. The queue's warm-up also
    // leaves the listener polling at its shortest interval, as a host that has been busy: after an idle spell its
    // first poll may be up to maxPollingInterval (2 s) away, which says nothing about throughput (and is reported).
    progress(`queue drain: warm-up, then ${COUNT} predictions over HTTP`);
    await inParallel(200, HTTP_CONCURRENCY, predict);
    const httpLines = host.lines.length;
    const httpStorageBefore = await storageOperations();
    const http = await measured(() => inParallel(COUNT, HTTP_CONCURRENCY, predict));
    const httpStorage = operationsPerJob(httpStorageBefore, await storageOperations(), COUNT);
    const httpSeconds = http.wallSeconds;
    const httpLinesPerJob = (host.lines.length - httpLines) / COUNT;
    await enqueueAll("warm", 200);
    await drained("warm", 200);

    // While the queue drains the consumer only counts the results (one call per poll); it reads them afterwards.
    await results.stop();
    const resultsQueue = queueClient(world.azurite.connectionString, "bench-results");
    const before = await predictCalls();
    const requestsBefore = await requestCounts(host);
    const linesBefore = host.lines.length;
    const queueStorageBefore = await storageOperations();
    progress(`queue drain: ${COUNT} jobs put on the queue and drained`);
    let enqueuedSeconds = 0;
    let firstResultSeconds = 0;
    let polls = 0;
    const queueStart = performance.now();
    const queue = await measured(async () => {
      const enqueued = enqueueAll("bench", COUNT).then(() => {
        enqueuedSeconds = (performance.now() - queueStart) / 1000;
      });
      for (;;) {
        const count = (await resultsQueue.getProperties()).approximateMessagesCount ?? 0;
        if (count > 0 && firstResultSeconds === 0)
          firstResultSeconds = (performance.now() - queueStart) / 1000;
        if (count >= COUNT) break;
        polls++;
        await new Promise((resolve) => setTimeout(resolve, RESULTS_POLL_MS));
      }
      await enqueued;
    });
    const queueSeconds = queue.wallSeconds;
    const queueLinesPerJob = (host.lines.length - linesBefore) / COUNT;
    const requestsAfter = await requestCounts(host);
    const queueStorage = operationsPerJob(queueStorageBefore, await storageOperations(), COUNT);
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
        `HTTP path ${cpuLine(http, COUNT)}`,
        `queue path ${cpuLine(queue, COUNT)}`,
        `CPU per job, HTTP / queue: ${(total(http) / total(queue)).toFixed(2)} (the ratio of throughputs if both paths got the same cores)`,
        `queue path: the first result came ${firstResultSeconds.toFixed(2)} s after the first put; the consumer counted the results ${polls} times`,
        `dev host output lines per job: HTTP ${httpLinesPerJob.toFixed(2)}, queue ${queueLinesPerJob.toFixed(2)}`,
        "the dev host's requests while the queue drained:",
        requestsLine(requestsBefore, requestsAfter, COUNT),
        `Azurite's requests per queued job (over ${COUNT} jobs; a receive of up to 32 messages counts once):`,
        operationLines(queueStorage),
        `Azurite's requests per HTTP prediction (over ${COUNT} predictions in ${httpSeconds.toFixed(2)} s; the idle queue listeners' polls, which come per second, not per prediction, included):`,
        operationLines(httpStorage),
        `storage transactions per million: queued jobs ${(queueStorage.relayPerJob * 1e6).toLocaleString("en-US")} (the relay's) + 1,000,000 producer puts; HTTP predictions ${(httpStorage.relayPerJob * 1e6).toLocaleString("en-US")}`,
      ].join("\n"),
    );
    const written = writeResult("queue-drain", {
      when: new Date().toISOString(),
      jobs: COUNT,
      http: { seconds: httpSeconds, perSecond: httpRate, storageOperations: httpStorage },
      queue: { seconds: queueSeconds, perSecond: queueRate, storageOperations: queueStorage },
    });
    progress(`queue drain: written to ${written.join(" and ")}`);
    console.log(await storageOperationCosts(world.azurite.connectionString));
    if (subjects.size !== COUNT || mine.length !== COUNT || calls !== COUNT) {
      throw new Error(
        `a job was lost or scored twice: ${subjects.size} jobs, ${mine.length} results, ${calls} calls`,
      );
    }
  } finally {
    await host.stop();
  }
});
