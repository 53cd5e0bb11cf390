import { gzipSync } from "node:zlib";
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

describe("the size of a model server's answer (MAX_UPSTREAM_BYTES)", () => {
  it("a 97 KB gzip answer that expands to 100 MB is cut off while it is read: 502 upstream-answer-too-large", async () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.byteLength).toBeLessThan(200_000);
    predict = (_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip" });
      response.end(bomb);
    };
    const h = harness();
    await h.refresh();
    const before = process.memoryUsage().rss;
    const answer = await h.predict("churn", CHURN_EXAMPLE);
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ type: "urn:aicore-relay:problem:upstream-answer-too-large" });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("a plain answer over the limit is refused the same way", async () => {
    predict = (_request, response) => {
      response.writeHead(200, { "Content-Type": "text/plain" });
      response.end("x".repeat(100_000));
    };
    const h = harness({ maxUpstreamBytes: 65_536 });
    await h.refresh();
    const answer = await h.predict("churn", CHURN_EXAMPLE);
    expect(answer.status, answer.text.slice(0, 300)).toBe(502);
    expect(answer.json()).toMatchObject({ type: "urn:aicore-relay:problem:upstream-answer-too-large" });
  });

  it("a batch's answers together are bounded too", async () => {
    predict = (_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ churn: 0.1, pad: "p".repeat(3_000) }));
    };
    const h = harness({ maxUpstreamBytes: 10_000 });
    await h.refresh();
    expect((await h.predict("churn", { instances: [CHURN_EXAMPLE, CHURN_EXAMPLE] })).status).toBe(200);
    const answer = await h.predict("churn", { instances: Array.from({ length: 5 }, () => CHURN_EXAMPLE) });
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ type: "urn:aicore-relay:problem:upstream-answer-too-large" });
  });
});
