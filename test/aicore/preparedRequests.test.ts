import { AxiosError } from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpClient } from "../../src/aicore/httpClient";
import { PreparedRequests } from "../../src/aicore/preparedRequests";
import { startLoopbackServer } from "../support/loopbackServer";

type Server = Awaited<ReturnType<typeof startLoopbackServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
});

/** Settles with the error `work` rejects with, or "still pending" after `ms`. */
async function rejectionWithin(work: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise((resolve) => {
    timer = setTimeout(() => resolve("still pending"), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => "resolved",
        (error: unknown) => error,
      ),
      pending,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe("prepared requests (axios's http adapter with the instance's config merged once)", () => {
  it("sends the body and exactly the given headers, and answers the status, headers and body as bytes", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(201, { "Content-Type": "application/json", "Retry-After": "3" });
      res.end('{"churn":1}');
    });
    const posts = new PreparedRequests(createHttpClient({ timeoutMs: 2_000 }), "post");
    const response = await posts.send({
      url: `${server.url}/v1/models/churn:predict`,
      data: '{"tenure":3}',
      headers: { "Content-Type": "application/json", Authorization: "Bearer t", "AI-Resource-Group": "g" },
    });
    expect(response.status).toBe(201);
    expect(Buffer.isBuffer(response.data)).toBe(true);
    expect(response.data.toString()).toBe('{"churn":1}');
    expect(response.headers["content-type"]).toBe("application/json");
    expect(response.headers["retry-after"]).toBe("3");
    const [sent] = server.requests;
    expect(sent).toMatchObject({ method: "POST", url: "/v1/models/churn:predict", body: '{"tenure":3}' });
    expect(sent?.headers).toMatchObject({
      "content-type": "application/json",
      "content-length": "12",
      authorization: "Bearer t",
      "ai-resource-group": "g",
    });
    // Nothing of the defaults' header buckets (axios's own Accept of `common`) rides along.
    expect(sent?.headers.accept).toBeUndefined();
  });

  it("reuses the keep-alive connection for the next call", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.end("ok");
    });
    const posts = new PreparedRequests(createHttpClient({ timeoutMs: 2_000 }), "post");
    for (let i = 0; i < 3; i++) await posts.send({ url: server.url, data: "x", headers: {} });
    expect(server.requests).toHaveLength(3);
    expect(server.connections.count).toBe(1);
  });

  it("ends a call at its own timeout, shorter than the instance's", async () => {
    server = await startLoopbackServer(() => undefined); // never answers
    const posts = new PreparedRequests(createHttpClient({ timeoutMs: 60_000 }), "post");
    const error = await rejectionWithin(
      posts.send({ url: server.url, data: "x", headers: {}, timeout: 50 }),
      5_000,
    );
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).code).toBe("ETIMEDOUT");
  });

  it("never waits longer than the instance's timeout, whatever a call asks for", async () => {
    server = await startLoopbackServer(() => undefined);
    const posts = new PreparedRequests(createHttpClient({ timeoutMs: 50 }), "post");
    const error = await rejectionWithin(
      posts.send({ url: server.url, data: "x", headers: {}, timeout: 60_000 }),
      5_000,
    );
    expect((error as AxiosError).code).toBe("ETIMEDOUT");
  });

  it("ends a call whose server trickles its body (headers at once, then a byte every 20 ms) at the call's timeout, and drops its socket", async () => {
    let closedAt: number | undefined;
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const timer = setInterval(() => res.write(" "), 20);
      res.on("close", () => {
        clearInterval(timer);
        closedAt = performance.now();
      });
    });
    const posts = new PreparedRequests(createHttpClient({ timeoutMs: 60_000 }), "post");
    const started = performance.now();
    const error = await rejectionWithin(
      posts.send({ url: server.url, data: "x", headers: {}, timeout: 300 }),
      5_000,
    );
    expect((error as AxiosError).code).toBe("ETIMEDOUT");
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect.poll(() => closedAt, { timeout: 2_000 }).toBeDefined();
  });

  it("an instance's timeout bounds a whole call of its own too, body included, with or without a caller's signal", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const timer = setInterval(() => res.write(" "), 20);
      res.on("close", () => clearInterval(timer));
    });
    const http = createHttpClient({ timeoutMs: 300 });
    for (const signal of [undefined, new AbortController().signal]) {
      const started = performance.now();
      const error = await rejectionWithin(http.get(server.url, { signal }), 5_000);
      expect(error).toBeInstanceOf(AxiosError);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it("cuts off an answer larger than the instance's maxContentLength", async () => {
    server = await startLoopbackServer((_req, res) => {
      res.end(Buffer.alloc(10_000, 97));
    });
    const posts = new PreparedRequests(createHttpClient({ timeoutMs: 2_000, maxBytes: 1_000 }), "post");
    const error = await posts.send({ url: server.url, data: "x", headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AxiosError);
    expect((error as AxiosError).message).toMatch(/maxContentLength size of 1000 exceeded/);
  });
});
