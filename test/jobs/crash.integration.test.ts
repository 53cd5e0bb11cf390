import path from "node:path";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionString, startAzurite as startAzuriteChild } from "../../src/dev/launcher/azurite";
import type { ResultEvent } from "../../src/jobs/jobResult";
import { DevHostProcess } from "../dev/host/devHostProcess";
import { freePort, launcherApp, launcherEnv } from "../dev/launcher/launcherProcess";
import { type EmulatorProcess, startEmulatorProcess } from "../support/emulatorProcess";
import { enqueue, QueueReader, queueClient } from "../support/queues";
import { CHURN_EXAMPLE } from "../support/world";

// A crash of the host while a queue drains: `npm start` (its process group: the launcher and the dev host) killed
// with SIGKILL mid-way, then started again on the same storage. Azurite and the emulator run as processes of their
// own, so they survive the kill: the launcher reuses the Azurite (RELAY_AZURITE_PORTS) and the emulator's service key
// (AICORE_SERVICE_KEY). Messages the dead host held come back after DEVHOST_QUEUE_LEASE_SECONDS (the host: 10 min).
const JOBS = 1_000;
/** Results seen before each SIGKILL: early in the drain, and again well into it after the restart. */
const KILLS_AT = [200, 600];

let azurite: Awaited<ReturnType<typeof startAzuriteChild>>;
let storage: string;
let emulator: EmulatorProcess;
let results: QueueReader<ResultEvent>;
const launched: DevHostProcess[] = [];

async function startNpmStart(): Promise<DevHostProcess> {
  const port = await freePort();
  const { blob, queue, table } = azurite.ports;
  const env = launcherEnv(port, {
    RELAY_AZURITE_PORTS: `${blob},${queue},${table}`,
    AICORE_SERVICE_KEY: JSON.stringify(emulator.serviceKey),
    DEVHOST_QUEUE_LEASE_SECONDS: "3",
    // At most 4 + 2 jobs in flight, so that the kill lands mid-drain on a fast machine too.
    AzureFunctionsJobHost__extensions__queues__batchSize: "4",
    AzureFunctionsJobHost__extensions__queues__newBatchThreshold: "2",
  });
  // The launcher in a copy of the app (never the developer's own settings), leading its own process group.
  const root = launcherApp().root;
  const process = new DevHostProcess(
    [],
    env,
    path.join(root, "dist", "src", "dev", "start.js"),
    false,
    root,
    true,
  );
  launched.push(process);
  await process.waitForLine(/^\[start\] relay ready at (http:\/\/\S+)$/, 60_000);
  return process;
}

beforeAll(async () => {
  [azurite, emulator] = await Promise.all([
    startAzuriteChild("free", { echo: false }),
    startEmulatorProcess(),
  ]);
  storage = connectionString(azurite.ports);
  results = new QueueReader<ResultEvent>(queueClient(storage, "scoring-results"));
}, 60_000);

afterAll(async () => {
  await results?.stop();
  for (const process of launched) await process.stop();
  await Promise.all([emulator?.stop(), azurite?.child.stop(5_000)]);
});

describe("two crashes of npm start while 1,000 jobs drain", () => {
  it("every job gets exactly one result id, and only the jobs in flight at a kill are scored twice", async () => {
    // Each prediction takes 20 ms, so the drain lasts long enough to be cut in the middle.
    await emulator.control.setFaults([
      { kinds: ["predict"], fraction: 1, action: { type: "latency", ms: 20 } },
    ]);
    const ids = Array.from({ length: JOBS }, (_, i) => `crash-${i}`);
    let running = await startNpmStart();
    await enqueue(
      queueClient(storage, "scoring-requests"),
      ...ids.map((id, i) => JSON.stringify({ id, model: "churn", input: { ...CHURN_EXAMPLE, tenure: i } })),
    );
    // Each kill lands wherever the drain is: mid-scoring, or between a result's record and its publication.
    const atKills: number[] = [];
    for (const count of KILLS_AT) {
      await results.waitFor((events) => events.length >= count, 60_000, `${count} results before a kill`);
      process.kill(-(running.child.pid as number), "SIGKILL");
      await running.exited;
      atKills.push(results.messages.length);
      running = await startNpmStart();
    }
    expect(atKills.at(-1)).toBeLessThan(JOBS);

    await results.waitFor(
      (events) => ids.every((id) => events.some((e) => e.subject === id)),
      120_000,
      "a result for every job",
    );
    const bySubject = new Map<string, Set<string>>();
    for (const event of results.messages) {
      const seen = bySubject.get(String(event.subject)) ?? new Set<string>();
      seen.add(event.id);
      bySubject.set(String(event.subject), seen);
      expect(event.type).toBe("aicore-relay.prediction.succeeded");
    }
    expect([...bySubject.keys()].sort()).toEqual([...ids].sort());
    for (const idsOfOne of bySubject.values()) expect(idsOfOne.size).toBe(1);
    // A job scored twice was claimed twice: its record was completed by a later delivery of its message (the
    // claim of the dead host taken over). Those can only be the jobs in flight at a kill: at most 4 + 2 each.
    const jobsTable = TableClient.fromConnectionString(storage, "scoringjobs", {
      allowInsecureConnection: true,
    });
    let inFlight = 0;
    for await (const record of jobsTable.listEntities<{ attempts: number; state: string }>()) {
      expect(record.state).toBe("done");
      if (record.attempts > 1) inFlight++;
    }
    expect(inFlight).toBeLessThanOrEqual(6 * KILLS_AT.length);
    const predictions = (await emulator.control.requests()).byKind.predict ?? 0;
    expect(predictions).toBeGreaterThanOrEqual(JOBS);
    expect(predictions).toBeLessThanOrEqual(JOBS + inFlight);
    console.log(
      `crash test: ${atKills.join(" and ")} results at the kills, ${inFlight} in flight, ${predictions} predictions, ${results.messages.length} result messages`,
    );
  }, 180_000);
});
