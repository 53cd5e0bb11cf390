import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionString } from "../../src/dev/launcher/azurite";
import { type ResultEvent, resultEventId, SUCCEEDED_TYPE } from "../../src/jobs/jobResult";
import { REPO_ROOT } from "../dev/host/devHostProcess";
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
}, 90_000);

afterAll(async () => {
  await results?.stop();
  await launcher?.process.stop();
});

/** The ```js block that follows `heading` in docs/jobs-and-callbacks.md, as written there. */
function docScript(heading: string): string {
  const page = readFileSync(path.join(REPO_ROOT, "docs", "jobs-and-callbacks.md"), "utf8");
  expect(page).toContain(heading);
  const section = page.slice(page.indexOf(heading));
  const match = /```js\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error(`no js block after ${heading}`);
  return match[1];
}

/** Runs a docs script with Node from the app root (so it finds @azure/storage-queue), against npm start's storage. */
async function runDocScript(heading: string, name: string): Promise<string> {
  const file = path.join(REPO_ROOT, "dist", name);
  writeFileSync(file, docScript(heading));
  const { stdout } = await promisify(execFile)(process.execPath, [file], {
    env: { ...process.env, AzureWebJobsStorage: storage },
    timeout: 30_000,
  });
  return stdout;
}

describe("the examples of docs/jobs-and-callbacks.md, against npm start", () => {
  it("enqueues the example job with the Node snippet and reads its result with the other", async () => {
    expect(await runDocScript("### Enqueue a job", "readme-enqueue.mjs")).toMatch(
      /^enqueued order-4711-churn as message \S+\n$/,
    );
    const printed = await runDocScript("### Read the results", "readme-results.mjs");
    expect(printed).toMatch(
      /^order-4711-churn aicore-relay\.prediction\.succeeded \{"churn_probability":[\d.e-]+,"churn":[01]\}\n$/,
    );
  });
});

describe("a producer with a storage queue, against npm start", () => {
  it("enqueues churn jobs on scoring-requests and reads one result per job from scoring-results", async () => {
    results = new QueueReader<ResultEvent>(queueClient(storage, "scoring-results"));
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
        id: resultEventId(id, new Date(String(mine[0]?.time))),
        type: SUCCEEDED_TYPE,
        data: { metadata: { row: i } },
      });
    }
  });
});
