import { beforeEach, describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/config/catalog";
import { type Answer, createHarness, type HarnessOptions } from "../support/relayHarness";
import { CHURN_EXAMPLE as EXAMPLE, shippedCatalogJson, useAzuriteAndEmulator } from "../support/world";

/**
 * The relay against an emulator that fails on purpose (fault rules of `/__emulator/faults`): transient
 * errors are retried away, a dead upstream opens the circuit and is recovered from, Retry-After is waited
 * out, hangs become 504s, and no failure ever shows a credential.
 */

const shipped = shippedCatalogJson();
const catalog = parseCatalog({ models: { churn: shipped.models.churn } }, "default");

const world = useAzuriteAndEmulator();

beforeEach(async () => {
  await world.emulator.control.clearFaults();
  await world.emulator.control.reset();
});

/** A harness whose answers are kept, to search them (and its logs) for secrets afterwards. */
function relay(options: Partial<HarnessOptions> = {}) {
  const h = createHarness({
    serviceKey: world.emulator.serviceKey,
    storageConnectionString: world.azurite.connectionString,
    catalog,
    ...options,
  });
  const answers: Answer[] = [];
  return {
    h,
    answers,
    async predict(body: unknown = EXAMPLE): Promise<Answer> {
      const answer = await h.predict("churn", body);
      answers.push(answer);
      return answer;
    },
    /** Records in Table storage and memory, a token cached: the steady state a fault meets. */
    async warm(): Promise<void> {
      await h.refresh();
      expect((await this.predict()).status).toBe(200);
    },
  };
}
type Relay = ReturnType<typeof relay>;

const elapsedMs = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const value = await run();
  return [value, performance.now() - started];
};

/** Polls `probe` until `done`, every `everyMs`, failing after `withinMs`. */
async function until<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  withinMs: number,
  what: string,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not ${what} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>) {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

const predictStatuses = async () =>
  (await world.emulator.control.requests()).log
    .filter((entry) => entry.kind === "predict")
    .map((e) => e.status);

function expectProblem(answer: Answer, status: number, type: string): Record<string, unknown> {
  expect(answer.status).toBe(status);
  expect(answer.headers["Content-Type"]).toBe("application/problem+json");
  const problem = answer.json() as Record<string, unknown>;
  expect(problem).toMatchObject({ status });
  expect(String(problem.type)).toMatch(new RegExp(`${type}$`));
  return problem;
}

/**
 * Neither the client secret nor the token this relay used (nor any bearer credential) is in any log line
 * it wrote or in any answer it gave, headers included.
 */
async function expectNoSecrets(r: Relay, earlierTokens: string[] = []): Promise<void> {
  await world.emulator.control.clearFaults();
  const token = await r.h.relay.tokens.getToken();
  const secrets = [world.emulator.serviceKey.clientsecret, token, ...earlierTokens];
  for (const secret of secrets) expect(secret.length).toBeGreaterThan(10);
  const texts = [
    ...r.h.logs.map((line) => `log: ${line}`),
    ...r.answers.map((a) => `answer ${a.status}: ${JSON.stringify(a.headers)} ${a.text}`),
  ];
  expect(texts.length).toBeGreaterThan(0);
  const leaks = texts.filter(
    (text) => secrets.some((secret) => text.includes(secret)) || /Bearer /.test(text),
  );
  expect(leaks).toEqual([]);
}

describe("transient upstream failures", () => {
  it("with 20% of predict calls failing (503s and connection resets), at least 99.5% of 1,000 requests succeed", async () => {
    // Sequential requests and seeded fault rules make the emulator see the same sequence every run, so the
    // outcome is reproducible rather than a 0.6% flake (0.2^4 per request leaves ~1.6 failures in 1,000).
    // A short backoff keeps the run short; the retry rule itself is what is under test.
    const r = relay({ predictPolicy: { baseDelayMs: 2, maxDelayMs: 10 } });
    await r.warm();
    await world.emulator.control.setFaults([
      { kinds: ["predict"], fraction: 0.1, seed: 11, action: { type: "status", status: 503 } },
      // sees the 90% the first rule let through: 1/9 of those is another 10% of all calls
      { kinds: ["predict"], fraction: 1 / 9, seed: 12, action: { type: "reset" } },
    ]);
    await world.emulator.control.resetRequests();

    const answers = await inParallel(1000, 1, (i) => r.predict({ ...EXAMPLE, tenure: i % 72 }));

    const succeeded = answers.filter((a) => a.status === 200).length;
    expect(succeeded / 1000).toBeGreaterThanOrEqual(0.995);
    for (const failed of answers.filter((a) => a.status !== 200)) {
      expect([502, 503]).toContain(failed.status);
      expect(failed.headers["Content-Type"]).toBe("application/problem+json");
    }
    const upstream = await world.emulator.control.requests();
    expect(upstream.byKind.predict).toBeGreaterThan(1000); // the retries really happened
    const [errors, resets] = (await world.emulator.control.faults()).rules;
    const injected = (errors?.injected ?? 0) + (resets?.injected ?? 0);
    expect(injected / upstream.byKind.predict).toBeGreaterThan(0.15);
    expect(injected / upstream.byKind.predict).toBeLessThan(0.25);
    expect(errors?.injected).toBeGreaterThan(50);
    expect(resets?.injected).toBeGreaterThan(50);
    expect(upstream.byKind.predict).toBe(succeeded + injected); // each call was a fault or a success, no more
    expect(
      r.h.logs.some((line) =>
        /^information prediction model=churn deployment=\S+ upstreamStatus=200 attempts=[234] durationMs=\d+$/.test(
          line,
        ),
      ),
    ).toBe(true);
    console.info(
      `faults: ${succeeded}/1000 succeeded, ${upstream.byKind.predict} predict calls, ${injected} injected faults`,
    );
    await expectNoSecrets(r);
  });

  it("retries connection resets and answers 502 (unreachable) when every attempt is reset", async () => {
    const r = relay();
    await r.warm();
    await world.emulator.control.setFaults([{ kinds: ["predict"], times: 2, action: { type: "reset" } }]);
    await world.emulator.control.resetRequests();
    expect((await r.predict()).status).toBe(200);
    expect(await predictStatuses()).toEqual([0, 0, 200]); // 0: reset without an answer
    expect(
      r.h.logs.some((line) =>
        /^information prediction model=churn deployment=\S+ upstreamStatus=200 attempts=3 durationMs=\d+$/.test(
          line,
        ),
      ),
    ).toBe(true);

    await world.emulator.control.setFaults([{ kinds: ["predict"], action: { type: "reset" } }]);
    await world.emulator.control.resetRequests();
    expectProblem(await r.predict(), 502, "upstream-unreachable");
    expect(await predictStatuses()).toEqual([0, 0, 0, 0]); // 4 attempts in all
    expect(
      r.h.logs.some((line) =>
        /^warning prediction failed model=churn deployment=\S+ upstreamStatus=unreachable attempts=4 durationMs=\d+: /.test(
          line,
        ),
      ),
    ).toBe(true);
    await expectNoSecrets(r);
  });

  it("waits out a 429 with Retry-After: 1 and retries", async () => {
    const r = relay();
    await r.warm();
    await world.emulator.control.setFaults([
      { kinds: ["predict"], times: 1, action: { type: "status", status: 429, retryAfter: 1 } },
    ]);
    await world.emulator.control.resetRequests();
    const [answer, ms] = await elapsedMs(() => r.predict());
    expect(answer.status).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(5_000);
    expect(await predictStatuses()).toEqual([429, 200]);
    await expectNoSecrets(r);
  });

  it("a token endpoint answering 503 is retried 4 times in all (not 4 x 4) and answered 502", async () => {
    const r = relay();
    await r.h.refresh(); // the records, fetched with a token of its own...
    const dropped = await r.h.relay.tokens.getToken();
    r.h.relay.tokens.invalidate(dropped); // ...which is now dropped
    await world.emulator.control.setFaults([{ kinds: ["token"], action: { type: "status", status: 503 } }]);
    await world.emulator.control.resetRequests();
    const problem = expectProblem(await r.predict(), 502, "upstream-error");
    expect(problem).toMatchObject({ upstreamStatus: 503, detail: expect.stringContaining("token endpoint") });
    const upstream = await world.emulator.control.requests();
    expect(upstream.byKind.token).toBe(4);
    expect(upstream.byKind.predict).toBe(0);
    await expectNoSecrets(r, [dropped]);
  });
});

describe("a full outage of the model server", () => {
  it("opens the circuit, then fails fast with 503 and Retry-After, and recovers without a restart", async () => {
    const halfOpenAfterMs = 1_000;
    const r = relay({ predictPolicy: { breaker: { consecutiveFailures: 5, halfOpenAfterMs } } });
    await r.warm();
    await world.emulator.control.setFaults([{ kinds: ["predict"], action: { type: "status", status: 503 } }]);

    // Five calls that exhaust their retries against the dead upstream open the circuit.
    for (const answer of await Promise.all(Array.from({ length: 5 }, () => r.predict()))) {
      expect(expectProblem(answer, 502, "upstream-error")).toMatchObject({ upstreamStatus: 503 });
    }
    await world.emulator.control.resetRequests();

    const timings: number[] = [];
    for (let i = 0; i < 30; i++) {
      const [answer, ms] = await elapsedMs(() => r.predict());
      timings.push(ms);
      expectProblem(answer, 503, "upstream-rejected");
      expect(Number(answer.headers["Retry-After"])).toBeGreaterThanOrEqual(1);
    }
    // Many callers at once are turned away just the same (their latency here is this process's own queue).
    const parallel = await Promise.all(Array.from({ length: 30 }, () => r.predict()));
    expect(parallel.map((answer) => answer.status)).toEqual(Array(30).fill(503));
    expect((await world.emulator.control.requests()).byKind.predict).toBe(0); // nobody waited on the dead upstream
    console.info(
      `faults: fail-fast latency over ${timings.length} requests: max ${Math.max(...timings).toFixed(1)} ms, median ${[...timings].sort((a, b) => a - b)[timings.length >> 1]?.toFixed(1)} ms`,
    );

    await world.emulator.control.clearFaults();
    const [recovered, recoveryMs] = await elapsedMs(() =>
      until(
        () => r.predict(),
        (answer) => answer.status === 200,
        halfOpenAfterMs + 5_000,
        "recovered",
        50,
      ),
    );
    expect(recovered.status).toBe(200);
    expect(recoveryMs).toBeLessThan(halfOpenAfterMs + 5_000);
    for (let i = 0; i < 10; i++) expect((await r.predict()).status).toBe(200);
    await expectNoSecrets(r);
  });
});

describe("hangs", () => {
  it("a hung model server becomes a 504 at the predict timeout, not retried", async () => {
    const r = relay({ settings: { predictTimeoutMs: 500 } });
    await r.warm();
    await world.emulator.control.setFaults([{ kinds: ["predict"], action: { type: "hang" } }]);
    const [answer, ms] = await elapsedMs(() => r.predict());
    expectProblem(answer, 504, "upstream-timeout");
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2_000);
    expect((await world.emulator.control.faults()).rules[0]).toMatchObject({ injected: 1 });
    await expectNoSecrets(r);
  });

  it("a hung management API during a refresh keeps the last records, logs, and serving goes on", async () => {
    const r = relay({ settings: { aiCoreTimeoutMs: 500 } });
    await r.warm();
    const before = r.h.relay.records.peek("churn");
    expect(before?.usable).toBe(true);
    await world.emulator.control.setFaults([{ kinds: ["list"], action: { type: "hang" } }]);

    const [, ms] = await elapsedMs(() => r.h.refresh());
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(3_000);
    expect(r.h.logs.some((line) => /deployment refresh failed .*last records kept/.test(line))).toBe(true);
    expect(r.h.logs.some((line) => /1 failed/.test(line))).toBe(true);
    const after = r.h.relay.records.peek("churn");
    expect(after).toMatchObject({ deploymentId: before?.deploymentId, usable: true });
    expect((await r.predict()).status).toBe(200);
    expect((await world.emulator.control.faults()).rules[0]).toMatchObject({ injected: 1 });
    await expectNoSecrets(r);
  });
});
