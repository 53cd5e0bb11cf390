import type { QueueClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningAzurite, startAzurite } from "../../support/azurite";
import { enqueue, QueueReader, queueClient } from "../../support/queues";
import { type DevHostProcess, startFixtureHost } from "./devHostProcess";

// The dev host's storage queue trigger and queue output binding against Azurite, with the fixture app (host.json
// without extensions.queues: the host's defaults, messageEncoding base64), failures retried at once; --verbose
// so that every run is logged and the tests can count them.
let azurite: RunningAzurite;
let host: DevHostProcess;
let url: string;
let input: QueueClient;
let echoed: QueueReader<{ item: unknown; triggerMetadata: Record<string, unknown> }>;
const b64 = (text: string) => Buffer.from(text).toString("base64");

beforeAll(async () => {
  azurite = await startAzurite();
  ({ host, url } = await startFixtureHost(
    {
      FIXTURE_QUEUES: "1",
      AzureWebJobsStorage: azurite.connectionString,
      AzureFunctionsJobHost__extensions__queues__visibilityTimeout: "00:00:00",
      AzureFunctionsJobHost__extensions__queues__maxDequeueCount: "3",
      AzureFunctionsJobHost__extensions__queues__maxPollingInterval: "00:00:00.500",
    },
    ["--verbose"],
  )); // every invocation's lines: the tests count runs
  input = queueClient(azurite.connectionString, "fixture-in");
  echoed = new QueueReader(queueClient(azurite.connectionString, "fixture-out"), (text) =>
    JSON.parse(Buffer.from(text, "base64").toString("utf8")),
  );
});

afterAll(async () => {
  await echoed?.stop();
  await host?.stop();
  await azurite?.stop();
});

const poisoned = async () => {
  const poison = queueClient(azurite.connectionString, "fixture-in-poison");
  if (!(await poison.exists())) return [];
  return (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) => m.messageText);
};

describe("the dev host's queue trigger", () => {
  it("hands the handler the decoded message (parsed JSON) and the trigger metadata; writes its return value", async () => {
    const [id] = await enqueue(input, b64(JSON.stringify({ order: 1 })));
    const [event] = await echoed.waitFor((events) =>
      events.some((e) => (e.item as { order?: number }).order === 1),
    );
    const mine = echoed.messages.find((e) => (e.item as { order?: number }).order === 1) ?? event;
    expect(mine?.triggerMetadata).toMatchObject({
      id,
      dequeueCount: 1,
      queueTrigger: '{"order":1}',
      popReceipt: expect.any(String),
      insertionTime: expect.stringMatching(/^\d{4}-/),
      expirationTime: expect.stringMatching(/^\d{4}-/),
      nextVisibleTime: expect.stringMatching(/^\d{4}-/),
    });
    await expect.poll(async () => (await input.getProperties()).approximateMessagesCount).toBe(0);
  });

  it("retries a failing message until maxDequeueCount, then moves its text to {queue}-poison", async () => {
    const text = b64(JSON.stringify({ fail: true, n: 2 }));
    await enqueue(input, text);
    await expect.poll(poisoned, { timeout: 20_000 }).toContain(text);
    expect(
      host.output().match(/Reason='New queue message detected on 'fixture-in'.'/g)?.length,
    ).toBeGreaterThanOrEqual(4);
    expect(host.output()).toContain(
      "Message has reached MaxDequeueCount of 3. Moving message to queue 'fixture-in-poison'.",
    );
  });

  it("moves a message that is not base64 (messageEncoding base64) to {queue}-poison at once, unprocessed, as the extension's decoding-failure handler", async () => {
    const before = (host.output().match(/Executing 'Functions\.echoQueue'/g) ?? []).length;
    const [id] = await enqueue(input, "{not base64}");
    await expect.poll(poisoned, { timeout: 20_000 }).toContain("{not base64}");
    expect((host.output().match(/Executing 'Functions\.echoQueue'/g) ?? []).length).toBe(before);
    // One receive, not maxDequeueCount (3) of them.
    expect(host.output().split(`message ${id} is not base64`).length - 1).toBe(1);
    expect(host.output()).toContain(`Message ${id} cannot be decoded`);
  });

  it("an HTTP function's queue output (an array: one message each) reaches the queue trigger of the same app", async () => {
    const response = await fetch(`${url}/api/enqueue`, {
      method: "POST",
      body: JSON.stringify({ fromHttp: 3 }),
    });
    expect(response.status).toBe(202);
    await echoed.waitFor(
      (events) =>
        events.some((e) => (e.item as { fromHttp?: number }).fromHttp === 3) &&
        events.some((e) => (e.item as { second?: boolean }).second === true),
    );
  });
});
