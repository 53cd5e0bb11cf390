import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { ResolveHost } from "../../src/deliveries/addressGuard";
import { type AllowedCallback, CallbackAllowList } from "../../src/deliveries/allowList";
import { CallbackSender } from "../../src/deliveries/callbackSender";
import { CallbackSigner } from "../../src/deliveries/callbackSigner";
import { startLoopbackServer } from "../support/loopbackServer";
import { RECEIVER_SECRET, startCallbackReceiver } from "./callbackReceiver";

// Every connection here goes to 127.0.0.1 or 127.0.0.2; names are resolved by injected functions, never by DNS.

const signer = CallbackSigner.fromSetting(RECEIVER_SECRET) ?? (undefined as never);
const EVENT = JSON.stringify({
  specversion: "1.0",
  id: "res-1",
  type: "aicore-relay.prediction.succeeded",
  data: { p: 0.7 },
});
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function sender(options: Partial<ConstructorParameters<typeof CallbackSender>[0]> = {}) {
  const created = new CallbackSender({ signer, ...options });
  cleanups.push(() => created.close());
  return created;
}

function allowed(list: string, url: string): AllowedCallback {
  const check = CallbackAllowList.parse(list).check(url);
  if (!check.allowed) throw new Error(check.reason);
  return check;
}

async function receiver(...script: Parameters<typeof startCallbackReceiver>) {
  const started = await startCallbackReceiver(...script);
  cleanups.push(() => started.close());
  return started;
}

function resolvingTo(...answers: string[]) {
  const calls: string[] = [];
  const resolve: ResolveHost = async (hostname) => {
    calls.push(hostname);
    const address = answers[Math.min(calls.length, answers.length) - 1] as string;
    return [{ address, family: 4 }];
  };
  return { resolve, calls };
}

describe("one callback attempt", () => {
  it("POSTs the CloudEvent, signed so that the standardwebhooks library verifies it, and counts a 2xx as delivered", async () => {
    const endpoint = await receiver([{ status: 204 }]);
    const outcome = await sender().send({
      target: allowed("http://127.0.0.1:*", `${endpoint.url}/hooks`),
      id: "res-1",
      body: EVENT,
    });
    expect(outcome).toEqual({ kind: "delivered", status: 204 });
    expect(endpoint.received).toMatchObject([
      {
        webhookId: "res-1",
        contentType: "application/cloudevents+json",
        verified: true,
        body: EVENT,
        answeredStatus: 204,
      },
    ]);
    expect(endpoint.requests[0]).toMatchObject({ method: "POST", url: "/hooks" });
  });

  it("says when any retried answer asked to wait (Retry-After in seconds or as a date), 500 and 302 too", async () => {
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const endpoint = await receiver([
      { status: 503, headers: { "Retry-After": "7" } },
      { status: 429, headers: { "Retry-After": inTwoMinutes } },
      { status: 500, headers: { "Retry-After": "7" } },
      { status: 302, headers: { "Retry-After": "3", Location: "/elsewhere" } },
      { status: 500 },
    ]);
    const target = allowed("http://127.0.0.1:*", endpoint.url);
    const send = () => sender().send({ target, id: "res-1", body: EVENT });
    expect(await send()).toEqual({
      kind: "failed",
      status: 503,
      retryAfterMs: 7_000,
      detail: `${target.url.host} answered 503`,
    });
    const throttled = await send();
    expect(throttled).toMatchObject({ kind: "failed", status: 429 });
    expect(throttled.kind === "failed" && throttled.retryAfterMs).toBeGreaterThanOrEqual(118_000);
    expect(await send()).toEqual({
      kind: "failed",
      status: 500,
      retryAfterMs: 7_000,
      detail: `${target.url.host} answered 500`,
    });
    expect(await send()).toMatchObject({ kind: "failed", status: 302, retryAfterMs: 3_000 });
    expect(await send()).toEqual({ kind: "failed", status: 500, detail: `${target.url.host} answered 500` });
  });

  it("reports 410 Gone as gone", async () => {
    const endpoint = await receiver([{ status: 410 }]);
    const outcome = await sender().send({
      target: allowed("http://127.0.0.1:*", endpoint.url),
      id: "res-1",
      body: EVENT,
    });
    expect(outcome).toMatchObject({ kind: "gone", status: 410 });
  });

  it("counts a 302 as a failure and does not follow it", async () => {
    const elsewhere = await receiver();
    const endpoint = await receiver([{ status: 302, headers: { Location: `${elsewhere.url}/moved` } }]);
    const outcome = await sender().send({
      target: allowed("http://127.0.0.1:*", endpoint.url),
      id: "res-1",
      body: EVENT,
    });
    expect(outcome).toMatchObject({
      kind: "failed",
      status: 302,
      detail: expect.stringContaining("not followed"),
    });
    expect(elsewhere.connections.count).toBe(0);
  });

  it("gives up on a receiver that does not answer within the timeout", async () => {
    const silent = await startLoopbackServer(() => new Promise(() => {}));
    cleanups.push(() => silent.close());
    const outcome = await sender({ timeoutMs: 300 }).send({
      target: allowed("http://127.0.0.1:*", silent.url),
      id: "res-1",
      body: EVENT,
    });
    expect(outcome).toEqual({ kind: "failed", detail: `127.0.0.1:${silent.port} did not answer in time` });
  });

  it("ends an attempt whose receiver trickles its answer at the timeout, and drops the connection", async () => {
    let closed = false;
    const trickling = await startLoopbackServer((_request, response) => {
      response.writeHead(500, { "Content-Type": "text/plain" });
      const timer = setInterval(() => response.write("."), 50);
      response.on("close", () => {
        clearInterval(timer);
        closed = true;
      });
    });
    cleanups.push(() => trickling.close());
    const started = performance.now();
    const outcome = await sender({ timeoutMs: 300 }).send({
      target: allowed("http://127.0.0.1:*", trickling.url),
      id: "res-1",
      body: EVENT,
    });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(outcome).toMatchObject({ kind: "failed", status: 500 });
    await expect.poll(() => closed, { timeout: 2_000 }).toBe(true);
  });

  it("reads at most the answer limit and drops the rest with the connection", async () => {
    let finished: boolean | undefined;
    const chatty = await startLoopbackServer((_request, response) => {
      response.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, "x");
      const pump = () => {
        while (response.write(chunk)) {}
      };
      response.on("drain", pump);
      response.on("close", () => {
        finished = response.writableFinished;
      });
      pump();
    });
    cleanups.push(() => chatty.close());
    const outcome = await sender({ maxAnswerBytes: 64 * 1024 }).send({
      target: allowed("http://127.0.0.1:*", chatty.url),
      id: "res-1",
      body: EVENT,
    });
    expect(outcome).toEqual({ kind: "delivered", status: 200 });
    await expect.poll(() => finished).toBe(false);
  });

  it("reports a receiver that cannot be reached", async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const outcome = await sender().send({
      target: allowed("http://127.0.0.1:*", `http://127.0.0.1:${port}/`),
      id: "res-1",
      body: EVENT,
    });
    expect(outcome).toEqual({
      kind: "failed",
      detail: `127.0.0.1:${port} could not be reached (ECONNREFUSED)`,
    });
  });
});

describe("SSRF guard on a callback attempt", () => {
  it("never connects to a loopback address that was not listed exactly", async () => {
    const listener = await receiver([], "127.0.0.2");
    const target: AllowedCallback = { allowed: true, url: new URL(listener.url), exactHost: false };
    const outcome = await sender().send({ target, id: "res-1", body: EVENT });
    expect(outcome).toEqual({
      kind: "refused",
      detail: "the callback host 127.0.0.2 is refused: its address is in the loopback range",
    });
    expect(listener.connections.count).toBe(0);
  });

  it("never connects to a name that resolves to a refused address", async () => {
    const listener = await receiver([], "127.0.0.2");
    const { resolve } = resolvingTo("127.0.0.2");
    const target = allowed("http://*.receiver.test:*", `http://hooks.receiver.test:${listener.port}/`);
    const outcome = await sender({ resolve }).send({ target, id: "res-1", body: EVENT });
    expect(outcome).toMatchObject({ kind: "refused" });
    expect(listener.connections.count).toBe(0);
  });

  it("connects to the address it checked: a second answer of the name (rebinding) is never asked for", async () => {
    const checked = await receiver([], "127.0.0.1");
    // Same port on the second loopback host: had the socket looked the name up again, it would have landed here.
    const rebound = await startLoopbackServer(() => {}, { host: "127.0.0.2", port: checked.port });
    cleanups.push(() => rebound.close());
    const { resolve, calls } = resolvingTo("127.0.0.1", "127.0.0.2");
    const target = allowed("http://receiver.test:*", `http://receiver.test:${checked.port}/hooks`);
    const outcome = await sender({ resolve }).send({ target, id: "res-1", body: EVENT });
    expect(outcome).toEqual({ kind: "delivered", status: 200 });
    expect(calls).toEqual(["receiver.test"]);
    expect(checked.received).toHaveLength(1);
    expect(rebound.connections.count).toBe(0);
  });
});
