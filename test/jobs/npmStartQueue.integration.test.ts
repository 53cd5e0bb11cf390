import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionString } from "../../src/dev/launcher/azurite";
import { type ResultEvent, resultEventId, SUCCEEDED_TYPE } from "../../src/jobs/jobResult";
import { type RunningLauncher, startLauncher } from "../dev/launcher/launcherProcess";
import { enqueue, QueueReader, queueClient } from "../support/queues";
import { CHURN_EXAMPLE } from "../support/world";

// Black box: `npm start` (the launcher: Azurite, the emulator, the dev host) with its default queues; a producer
// that knows only Azure Storage queues enqueues churn jobs and reads one result per job.
let launcher: RunningLauncher;
let storage: string;
let results: QueueReader<ResultEvent>;

beforeAll(async () => {
  launcher = await startLauncher();
  const [blob, queue, table] = launcher.azuritePorts as [number, number, number];
  storage = connectionString({ blob, queue, table });
  results = new QueueReader<ResultEvent>(queueClient(storage, "scoring-results"));
}, 90_000);

afterAll(async () => {
  await results?.stop();
  await launcher?.process.stop();
});

describe("a producer with a storage queue, against npm start", () => {
  it("enqueues churn jobs on scoring-requests and reads one result per job from scoring-results", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `npm-start-${Date.now()}-${i}`);
    await enqueue(
      queueClient(storage, "scoring-requests"),
      ...ids.map((id, i) =>
        JSON.stringify({ id, model: "churn", input: { ...CHURN_EXAMPLE, tenure: i }, metadata: { row: i } }),
      ),
    );
    await results.waitFor((events) => ids.every((id) => events.some((e) => e.subject === id)), 30_000);
    for (const [i, id] of ids.entries()) {
      const mine = results.messages.filter((e) => e.subject === id);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        id: resultEventId(id),
        type: SUCCEEDED_TYPE,
        data: { metadata: { row: i } },
      });
    }
  });
});
