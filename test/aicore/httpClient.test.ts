import { afterEach, describe, expect, it } from "vitest";
import { createHttpClient } from "../../src/aicore/httpClient";
import { PreparedRequests } from "../../src/aicore/preparedRequests";
import { startLoopbackServer } from "../support/loopbackServer";

type Server = Awaited<ReturnType<typeof startLoopbackServer>>;
let proxy: Server | undefined;
const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
afterEach(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await proxy?.close();
});

// Nothing listens there: a request that reaches it directly is refused.
const TARGET = "http://127.0.0.2:9/v1/models/churn:predict";

describe("upstream HTTP clients and the environment's proxy", () => {
  it("send a prediction through HTTP_PROXY, as the app's storage clients do (and as axios does by default)", async () => {
    proxy = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"churn":0}');
    });
    process.env.HTTP_PROXY = proxy.url;
    delete process.env.NO_PROXY;
    const posts = new PreparedRequests(createHttpClient({ timeoutMs: 2_000 }), "post");
    const response = await posts.send({
      url: TARGET,
      data: "{}",
      headers: { "Content-Type": "application/json" },
    });
    expect(response.status).toBe(200);
    // A forward proxy gets the absolute URL as the request target.
    expect(proxy.requests.map((r) => r.url)).toEqual([TARGET]);
  });

  it("go directly to a host NO_PROXY names", async () => {
    proxy = await startLoopbackServer((_req, res) => {
      res.end("{}");
    });
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = "127.0.0.2";
    const posts = new PreparedRequests(createHttpClient({ timeoutMs: 2_000 }), "post");
    await expect(posts.send({ url: TARGET, data: "{}", headers: {} })).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
    expect(proxy.requests).toEqual([]);
  });
});
