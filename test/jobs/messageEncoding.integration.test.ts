import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResultEvent } from "../../src/jobs/jobResult";
import type { DevHostProcess } from "../dev/host/devHostProcess";
import { isolatedApp } from "../support/isolatedApp";
import { startQueueRelay } from "../support/queueRelay";
import { QueueReader, queueClient } from "../support/queues";
import { CHURN_EXAMPLE, useAzuriteAndEmulator } from "../support/world";

// The app switched to the host's default encoding (base64) by an app setting, written in another case than the
// documentation's, as the host accepts it: the relay's own writers must follow it, or the host poisons every job
// they write at its first receive.
const JOBS = "enc-scoring-requests";
const RESULTS = "enc-scoring-results";

const world = useAzuriteAndEmulator();
const app = isolatedApp();
let host: DevHostProcess;
let base: string;
let results: QueueReader<ResultEvent>;

beforeAll(async () => {
  ({ host, base } = await startQueueRelay(
    world,
    app.root,
    { jobs: JOBS, results: RESULTS },
    {
      azurefunctionsjobhost__EXTENSIONS__queues__MessageEncoding: "base64",
    },
  ));
  // A consumer of the results at the same encoding: the host's output binding wrote base64.
  results = new QueueReader<ResultEvent>(queueClient(world.azurite.connectionString, RESULTS), (text) =>
    JSON.parse(Buffer.from(text, "base64").toString("utf8")),
  );
});

afterAll(async () => {
  app.remove();
  await results?.stop();
  await host?.stop();
});

describe("messageEncoding base64, set by an app setting", () => {
  it("a job the relay enqueues (respond-async) is scored, not poisoned; its result is base64 on the results queue", async () => {
    const accepted = await fetch(`${base}/models/churn/predict`, {
      method: "POST",
      headers: { "content-type": "application/json", prefer: "respond-async" },
      body: JSON.stringify(CHURN_EXAMPLE),
    });
    expect(accepted.status).toBe(202);
    const location = accepted.headers.get("location") as string;
    await accepted.arrayBuffer();
    const id = decodeURIComponent(location.split("/").at(-1) as string);
    await results.waitFor((events) => events.some((e) => e.subject === id), 20_000, `the result of ${id}`);
    expect(results.messages.find((e) => e.subject === id)).toMatchObject({ data: { status: "succeeded" } });
    const poison = queueClient(world.azurite.connectionString, `${JOBS}-poison`);
    expect((await poison.exists()) ? (await poison.peekMessages()).peekedMessageItems : []).toEqual([]);
  });
});
