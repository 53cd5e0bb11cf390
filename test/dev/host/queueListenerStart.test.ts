import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueueFunction } from "../../../src/dev/host/functionTable";
import { loadFunctionsLibrary } from "../../../src/dev/host/invocation";
import type { Console } from "../../../src/dev/host/logging";
import { QueueListener } from "../../../src/dev/host/queueListener";
import type { QueuesOptions } from "../../../src/dev/host/queueOptions";
import { QueueOutputWriter } from "../../../src/dev/host/queueOutputWriter";
import { QueueClients } from "../../../src/dev/host/queueStorage";
import { type RunningAzurite, startAzurite } from "../../support/azurite";
import { queueClient } from "../../support/queues";

/**
 * The dev host's queue listener starts polling after a delay (QUEUE_LISTENERS_START_DELAY_MS, so that its start
 * does not hold up the first HTTP requests of an app that just started), or at once when a function of the app
 * writes to its queue. Against Azurite, with a delay no test waits out.
 */
const QUEUES: QueuesOptions = {
  batchSize: 16,
  newBatchThreshold: 8,
  maxPollingIntervalMs: 500,
  visibilityTimeoutMs: 0,
  maxDequeueCount: 5,
  messageEncoding: "none",
};

let azurite: RunningAzurite;
const listeners: QueueListener[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await Promise.all(listeners.map((l) => l.close()));
  await azurite?.stop();
});

function listen(queueName: string, delayMs: number) {
  const seen: unknown[] = [];
  let arrived: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const fn: QueueFunction = {
    kind: "queue",
    name: "delayed",
    queueName,
    connection: "AzureWebJobsStorage",
    queueOutputs: [],
    bindings: {
      trigger: { type: "queueTrigger", direction: "in", queueName, connection: "AzureWebJobsStorage" },
    },
    callback: async (message: unknown) => {
      seen.push(message);
      arrived();
    },
  };
  const clients = new QueueClients({ AzureWebJobsStorage: azurite.connectionString });
  const out: Console = { out: () => undefined, err: () => undefined };
  const writer = new QueueOutputWriter(clients, QUEUES, () => listener.notify());
  const listener = new QueueListener({
    fn,
    library: loadFunctionsLibrary(path.resolve(__dirname, "../../..")),
    out,
    clients,
    queues: QUEUES,
    writer,
    leaseMs: 30_000,
  });
  listeners.push(listener);
  listener.start(delayMs);
  return { listener, writer, seen, first };
}

describe("the queue listener's start", () => {
  it("makes no call to storage before its delay is over (it has not even created its queue)", async () => {
    listen("delayed-start", 600_000);
    // Each call to Azurite takes turns of the event loop in which the listener could have run.
    for (let i = 0; i < 5; i++)
      expect(await queueClient(azurite.connectionString, "delayed-start").exists()).toBe(false);
  });

  it("polls at once when a function of the app writes to its queue during the delay", async () => {
    const { writer, seen, first } = listen("woken-start", 600_000);
    await writer.write(
      [{ bindingName: "$return", queueName: "woken-start", connection: "AzureWebJobsStorage" }],
      () => ({
        order: 7,
      }),
    );
    await first;
    expect(seen).toEqual([{ order: 7 }]);
  });
});
