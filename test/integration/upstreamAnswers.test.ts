import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningAzurite, startAzurite } from "../support/azurite";
import { FAKE_CLIENT_SECRET, FAKE_TOKEN, startFakeAiCore } from "../support/fakeAiCore";
import { createHarness } from "../support/relayHarness";
import { CHURN_EXAMPLE, shippedModels } from "../support/world";

// What a model server answers is not trusted: an echo of the relay's credentials is redacted and an answer too
// large (or one that decompresses too large) is refused while it is read.
let azurite: RunningAzurite;
let predict: Parameters<typeof startFakeAiCore>[0] = (_request, response) => response.end();
let aiCore: Awaited<ReturnType<typeof startFakeAiCore>>;

beforeAll(async () => {
  azurite = await startAzurite();
  aiCore = await startFakeAiCore((request, response) => predict(request, response));
});
afterAll(async () => {
  await Promise.all([aiCore?.close(), azurite?.stop()]);
});

function harness(settings = {}) {
  return createHarness({
    serviceKey: aiCore.serviceKey,
    storageConnectionString: azurite.connectionString,
    catalog: shippedModels(),
    settings,
  });
}

describe("a model server's error body", () => {
  it("never carries the relay's token or client secret to the caller or the log, whatever surrounds them", async () => {
    predict = (request, response) => {
      const token = String(request.headers.authorization ?? "").replace(/^Bearer /, "");
      response.writeHead(500, { "Content-Type": "text/plain" });
      response.end(`upstream failed for token=${token};secret:${FAKE_CLIENT_SECRET} "${token}"`);
    };
    const h = harness();
    await h.refresh();
    const answer = await h.predict("churn", CHURN_EXAMPLE);
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ upstreamStatus: 500 });
    expect(answer.text).toMatch(/upstream failed for token=/);
    for (const secret of [FAKE_TOKEN, FAKE_CLIENT_SECRET]) {
      expect(answer.text).not.toContain(secret);
      expect(h.logs.join("\n")).not.toContain(secret);
    }
  });
});
