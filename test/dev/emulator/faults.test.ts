import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FaultSnapshot } from "../../../src/dev/emulator/faultInjector";
import type { RequestLogSnapshot } from "../../../src/dev/emulator/requestLog";
import { startEmulatorProcess } from "../../support/emulatorProcess";
import { EmulatorClient, PREDICT_PATH, SAP_EXAMPLE_INSTANCE } from "./emulatorClient";

let client: EmulatorClient;
let closed = false;
beforeEach(async () => {
  client = await EmulatorClient.start();
  closed = false;
});
afterEach(async () => {
  if (!closed) await client.close();
});

const setFaults = (rules: unknown[]) => client.control("PUT", "/faults", { rules });
const faults = async () => (await client.control("GET", "/faults")).json as FaultSnapshot;
const requests = async () => (await client.control("GET", "/requests")).json as RequestLogSnapshot;
const predict = () => client.call("POST", PREDICT_PATH, { body: SAP_EXAMPLE_INSTANCE });

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type RawOutcome = { status: number } | { error: string };

/** A predict call on a fresh connection with node:http, to see exactly how the connection ended. */
function rawPredict(options: { timeoutMs?: number } = {}): {
  outcome: Promise<RawOutcome>;
  abort: () => void;
} {
  const url = new URL(PREDICT_PATH, client.url);
  const body = JSON.stringify(SAP_EXAMPLE_INSTANCE);
  const req = httpRequest(url, {
    method: "POST",
    agent: false,
    headers: {
      authorization: `Bearer ${client.token}`,
      "ai-resource-group": "default",
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    },
  });
  const outcome = new Promise<RawOutcome>((resolve) => {
    req.once("response", (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    req.once("error", (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => {
        resolve({ error: "client timeout" });
        req.destroy();
      });
    }
  });
  req.end(body);
  return { outcome, abort: () => req.destroy() };
}

describe("PUT/GET/DELETE /__emulator/faults", () => {
  it("stores the rules with their defaults and counters, and DELETE removes them", async () => {
    const put = await setFaults([
      { kinds: ["predict"], fraction: 0.2, action: { type: "status", status: 503, retryAfter: 1 } },
      { action: { type: "latency", ms: 5 }, seed: 7, times: 3 },
    ]);
    expect(put.status).toBe(200);
    const stored = await faults();
    expect(stored.rules).toEqual([
      {
        kinds: ["predict"],
        fraction: 0.2,
        action: { type: "status", status: 503, retryAfter: 1 },
        seen: 0,
        injected: 0,
      },
      {
        kinds: ["token", "list", "get", "patch", "delete", "predict", "other"],
        fraction: 1,
        seed: 7,
        times: 3,
        action: { type: "latency", ms: 5 },
        seen: 0,
        injected: 0,
      },
    ]);
    expect((await client.control("DELETE", "/faults")).status).toBe(204);
    expect(await faults()).toEqual({ rules: [] });
    expect((await predict()).status).toBe(200);
  });

  it.each([
    ["not JSON", "{rules:", /must be JSON/],
    ["rules not a list", { rules: "all" }, /must be \{"rules": \[\.\.\.\]\}/],
    ["an unknown top-level field", { rules: [], mode: "x" }, /must be \{"rules"/],
    [
      "an unknown action",
      { rules: [{ action: { type: "explode" } }] },
      /rules\[0\]\.action\.type must be one of/,
    ],
    [
      "a status that is not a fault",
      { rules: [{ action: { type: "status", status: 404 } }] },
      /429, 500, 502, 503, 504/,
    ],
    [
      "a fraction over 1",
      { rules: [{ fraction: 1.5, action: { type: "reset" } }] },
      /fraction must be a number from 0 to 1/,
    ],
    [
      "an unknown kind",
      { rules: [{ kinds: ["predict", "bogus"], action: { type: "hang" } }] },
      /kinds must be a non-empty list/,
    ],
    [
      "a misspelt field",
      { rules: [{ fracton: 0.2, action: { type: "reset" } }] },
      /unknown field\(s\) fracton/,
    ],
    [
      "negative latency",
      { rules: [{ action: { type: "latency", ms: -1 } }] },
      /ms must be an integer from 0/,
    ],
    [
      "a fractional Retry-After",
      { rules: [{ action: { type: "status", status: 429, retryAfter: 1.5 } }] },
      /retryAfter must be an integer/,
    ],
    ["times 0", { rules: [{ times: 0, action: { type: "reset" } }] }, /times must be an integer from 1/],
  ])("refuses %s with 400 and keeps the rules it had", async (_name, body, message) => {
    await setFaults([{ kinds: ["other"], action: { type: "status", status: 500 } }]);
    const answer = await fetch(`${client.url}/__emulator/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: string }).error).toMatch(message);
    expect((await faults()).rules).toHaveLength(1);
  });

  it("answers 405 with Allow to other methods", async () => {
    const answer = await fetch(`${client.url}/__emulator/faults`, { method: "POST" });
    expect(answer.status).toBe(405);
    expect(answer.headers.get("allow")).toBe("GET, PUT, DELETE");
  });

  it("never applies faults to control requests", async () => {
    await setFaults([{ action: { type: "status", status: 500 } }]);
    expect((await client.control("GET", "/deployments")).status).toBe(200);
    expect((await client.control("GET", "/faults")).status).toBe(200);
    expect((await client.call("GET", "/v2/lm/deployments")).status).toBe(500);
  });
});

describe("status faults", () => {
  it("fail exactly every 5th predict call for fraction 0.2, with Retry-After and an AiApiError body", async () => {
    await setFaults([
      { kinds: ["predict"], fraction: 0.2, action: { type: "status", status: 503, retryAfter: 1 } },
    ]);
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await predict());
    const failed = answers.flatMap((answer, i) => (answer.status === 503 ? [i] : []));
    expect(failed).toEqual([4, 9, 14, 19]);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(16);

    const fault = answers[4];
    expect(fault?.contentType).toMatch(/^application\/json/);
    expect(fault?.json).toMatchObject({
      error: {
        code: "ServiceUnavailable",
        message: expect.stringContaining("503"),
        requestId: expect.any(String),
        target: PREDICT_PATH,
      },
    });
    expect((await predict()).status).toBe(200); // the 21st
    expect((await faults()).rules[0]).toMatchObject({ seen: 21, injected: 4 });

    const logged = (await requests()).log.filter((entry) => entry.kind === "predict").map((e) => e.status);
    expect(logged.slice(0, 20)).toEqual(answers.map((answer) => answer.status));
  });

  it("answer 429 with Retry-After, and only for the kinds named", async () => {
    await setFaults([{ kinds: ["list"], action: { type: "status", status: 429, retryAfter: 2 } }]);
    const response = await fetch(`${client.url}/v2/lm/deployments`, {
      headers: { authorization: `Bearer ${client.token}`, "ai-resource-group": "default" },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(await response.json()).toMatchObject({ error: { code: "TooManyRequests" } });
    expect((await predict()).status).toBe(200);
    expect((await client.call("GET", "/v2/lm/deployments/d0churn00001")).status).toBe(200);
    expect((await faults()).rules[0]).toMatchObject({ seen: 1, injected: 1 });
  });

  it("stop after `times` faults", async () => {
    await setFaults([{ kinds: ["predict"], times: 2, action: { type: "status", status: 502 } }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await predict()).status);
    expect(statuses).toEqual([502, 502, 200, 200]);
    expect((await faults()).rules[0]).toMatchObject({ injected: 2 });
  });

  it("take the first rule that picks a request; later rules see only what earlier ones let through", async () => {
    await setFaults([
      { kinds: ["predict"], fraction: 0.5, action: { type: "status", status: 500 } },
      { kinds: ["predict"], fraction: 1, action: { type: "status", status: 502 } },
    ]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await predict()).status);
    expect(statuses).toEqual([502, 500, 502, 500]);
    expect((await faults()).rules.map((rule) => [rule.seen, rule.injected])).toEqual([
      [4, 2],
      [2, 2],
    ]);
  });

  it("with a seed pick at random, the same way for the same seed", async () => {
    const pattern = async (seed: number) => {
      await setFaults([{ kinds: ["other"], fraction: 0.3, seed, action: { type: "status", status: 500 } }]);
      const statuses = [];
      for (let i = 0; i < 100; i++) statuses.push((await client.call("GET", "/nothing")).status);
      return statuses.map((status) => (status === 500 ? "x" : ".")).join("");
    };
    const first = await pattern(42);
    expect(await pattern(42)).toBe(first);
    expect(await pattern(43)).not.toBe(first);
    const picked = [...first].filter((c) => c === "x").length;
    expect(picked).toBeGreaterThan(15);
    expect(picked).toBeLessThan(45);
  });
});

describe("latency, reset and hang", () => {
  it("latency delays the answer, which then comes from the real route", async () => {
    await setFaults([{ kinds: ["predict"], action: { type: "latency", ms: 300 } }]);
    const started = performance.now();
    const answer = await predict();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(answer.status).toBe(200);
    expect(answer.json).toHaveProperty("churn_probability");
    expect((await faults()).rules[0]).toMatchObject({ seen: 1, injected: 1 });
  });

  it("latency composes with a later status rule", async () => {
    await setFaults([
      { kinds: ["predict"], action: { type: "latency", ms: 100 } },
      { kinds: ["predict"], action: { type: "status", status: 503 } },
    ]);
    const started = performance.now();
    expect((await predict()).status).toBe(503);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("reset drops the connection without an answer (ECONNRESET), logged as status 0", async () => {
    await setFaults([{ kinds: ["predict"], times: 1, action: { type: "reset" } }]);
    expect(await rawPredict().outcome).toEqual({ error: "ECONNRESET" });
    expect(await rawPredict().outcome).toEqual({ status: 200 });
    const logged = (await requests()).log.filter((entry) => entry.kind === "predict").map((e) => e.status);
    expect(logged).toEqual([0, 200]);
  });

  it("hang never answers; the request is logged as status 0 once the client gives up", async () => {
    await setFaults([{ kinds: ["predict"], times: 1, action: { type: "hang" } }]);
    const hung = rawPredict({ timeoutMs: 300 });
    await until(faults, (f) => f.rules[0]?.injected === 1, "the hang to start");
    expect(await hung.outcome).toEqual({ error: "client timeout" });
    const log = await until(requests, (r) => r.byKind.predict === 1, "the hung request to be logged");
    expect(log.log.at(-1)).toMatchObject({ kind: "predict", status: 0 });
    expect((await predict()).status).toBe(200);
  });

  it("trickle sends the headers at once, then the real answer a byte per interval", async () => {
    await setFaults([
      { kinds: ["predict"], times: 1, action: { type: "trickle", intervalMs: 20, bytes: 60 } },
    ]);
    const url = new URL(PREDICT_PATH, client.url);
    const body = JSON.stringify(SAP_EXAMPLE_INSTANCE);
    const started = performance.now();
    const { headersAfterMs, chunks, text } = await new Promise<{
      headersAfterMs: number;
      chunks: number;
      text: string;
    }>((resolve, reject) => {
      const req = httpRequest(url, {
        method: "POST",
        agent: false,
        headers: {
          authorization: `Bearer ${client.token}`,
          "ai-resource-group": "default",
          "content-type": "application/json",
        },
      });
      req.once("response", (response) => {
        const headersAfterMs = performance.now() - started;
        const parts: Buffer[] = [];
        response.on("data", (chunk: Buffer) => parts.push(chunk));
        response.on("end", () =>
          resolve({ headersAfterMs, chunks: parts.length, text: Buffer.concat(parts).toString("utf8") }),
        );
      });
      req.once("error", reject);
      req.end(body);
    });
    expect(headersAfterMs).toBeLessThan(500);
    expect(Buffer.byteLength(text)).toBe(60);
    expect(chunks).toBeGreaterThan(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(60 * 20 - 50);
    expect(JSON.parse(text)).toHaveProperty("churn_probability");
    expect((await predict()).status).toBe(200);
  });

  it("large grows the real answer to the size asked, still JSON", async () => {
    await setFaults([{ kinds: ["predict"], action: { type: "large", bytes: 100_000 } }]);
    const answer = await predict();
    expect(answer.status).toBe(200);
    expect(Buffer.byteLength(answer.text)).toBe(100_000);
    expect(answer.json).toHaveProperty("churn_probability");
    expect(answer.json).toHaveProperty("padding");
  });

  it("refuses trickle and large rules with sizes out of range", async () => {
    expect((await setFaults([{ action: { type: "large", bytes: 0 } }])).status).toBe(400);
    expect((await setFaults([{ action: { type: "trickle", intervalMs: 0 } }])).status).toBe(400);
    expect((await setFaults([{ action: { type: "trickle", speed: 1 } }])).status).toBe(400);
  });

  it("close() finishes while requests hang or wait out injected latency", async () => {
    await setFaults([
      { kinds: ["predict"], times: 1, action: { type: "hang" } },
      { kinds: ["predict"], action: { type: "latency", ms: 60_000 } },
    ]);
    const hung = rawPredict();
    const slow = rawPredict();
    await until(faults, (f) => f.rules[1]?.injected === 1, "both requests to arrive");
    const started = performance.now();
    await client.close();
    closed = true;
    expect(performance.now() - started).toBeLessThan(1_000);
    const outcomes = await Promise.all([hung.outcome, slow.outcome]);
    for (const outcome of outcomes) expect(outcome).toHaveProperty("error");
  });
});

describe("EMULATOR_FAULTS", () => {
  it("puts the same rules in force from the start of the process", async () => {
    const rules = [
      { kinds: ["predict"], fraction: 1, action: { type: "status", status: 503, retryAfter: 1 } },
    ];
    const emulator = await startEmulatorProcess({ EMULATOR_FAULTS: JSON.stringify({ rules }) });
    try {
      expect((await emulator.control.faults()).rules).toEqual([{ ...rules[0], seen: 0, injected: 0 }]);
      const token = await fetch(`${emulator.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: emulator.serviceKey.clientid,
          client_secret: emulator.serviceKey.clientsecret,
        }).toString(),
      });
      expect(token.status).toBe(200);
      const { access_token } = (await token.json()) as { access_token: string };
      const answer = await fetch(`${emulator.url}${PREDICT_PATH}`, {
        method: "POST",
        headers: { authorization: `Bearer ${access_token}`, "ai-resource-group": "default" },
        body: JSON.stringify(SAP_EXAMPLE_INSTANCE),
      });
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("1");
      await emulator.control.clearFaults();
      expect((await emulator.control.faults()).rules).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });

  it("stops the process with one line naming the setting when the rules are wrong", async () => {
    await expect(
      startEmulatorProcess({ EMULATOR_FAULTS: '{"rules":[{"fraction":2,"action":{"type":"reset"}}]}' }),
    ).rejects.toThrow(/EMULATOR_FAULTS rules\[0\]\.fraction must be a number from 0 to 1/);
    await expect(startEmulatorProcess({ EMULATOR_FAULTS: "{oops" })).rejects.toThrow(
      /EMULATOR_FAULTS is not valid JSON/,
    );
  });
});
