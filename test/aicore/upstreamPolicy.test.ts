import { describe, expect, it } from "vitest";
import { RequestDeadline } from "../../src/aicore/requestDeadline";
import { UpstreamError } from "../../src/aicore/upstreamError";
import {
  UpstreamPolicy,
  type UpstreamPolicyOptions,
  UpstreamRejected,
} from "../../src/aicore/upstreamPolicy";

const FAST: UpstreamPolicyOptions = { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5, retryAfterCapMs: 2_000 };
const status = (code: number, retryAfterSeconds?: number) =>
  new UpstreamError("status", "model server", `answered ${code}`, code, "", retryAfterSeconds);

/** An attempt function that fails with the given errors in turn, then answers "ok". */
function scripted(failures: unknown[]) {
  const calls: number[] = [];
  const fn = async ({ attempt }: { attempt: number }) => {
    calls.push(attempt);
    const failure = failures.shift();
    if (failure) throw failure;
    return "ok";
  };
  return { fn, calls };
}

describe("upstream policy", () => {
  it.each([429, 502, 503, 504])("retries a %i and succeeds, numbering attempts from 1", async (code) => {
    const { fn, calls } = scripted([status(code), status(code)]);
    await expect(new UpstreamPolicy("m", FAST).execute("d1", fn)).resolves.toBe("ok");
    expect(calls).toEqual([1, 2, 3]);
  });

  it("retries a connection error", async () => {
    const { fn, calls } = scripted([new UpstreamError("unreachable", "m", "ECONNRESET")]);
    await expect(new UpstreamPolicy("m", FAST).execute("d1", fn)).resolves.toBe("ok");
    expect(calls).toHaveLength(2);
  });

  it("gives up after 4 attempts in all", async () => {
    const { fn, calls } = scripted(Array.from({ length: 10 }, () => status(503)));
    const error = await new UpstreamPolicy("m", FAST).execute("d1", fn).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).status).toBe(503);
    expect(calls).toHaveLength(4);
  });

  it.each([400, 401, 404, 409, 422, 500])("never retries a %i", async (code) => {
    const { fn, calls } = scripted([status(code)]);
    await expect(new UpstreamPolicy("m", FAST).execute("d1", fn)).rejects.toBeInstanceOf(UpstreamError);
    expect(calls).toHaveLength(1);
  });

  it("never retries a timeout", async () => {
    const { fn, calls } = scripted([new UpstreamError("timeout", "m", "slow")]);
    await expect(new UpstreamPolicy("m", FAST).execute("d1", fn)).rejects.toBeInstanceOf(UpstreamError);
    expect(calls).toHaveLength(1);
  });

  it("waits out Retry-After before the next attempt, up to the cap", async () => {
    const { fn } = scripted([status(429, 1)]);
    const started = performance.now();
    await new UpstreamPolicy("m", FAST).execute("d1", fn);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    const capped = scripted([status(429, 3600)]);
    const cappedStart = performance.now();
    await new UpstreamPolicy("m", { ...FAST, retryAfterCapMs: 50 }).execute("d1", capped.fn);
    expect(performance.now() - cappedStart).toBeLessThan(1_000);
  });

  it("opens the circuit of one deployment after repeated failed calls, fails fast, and a probe closes it", async () => {
    const policy = new UpstreamPolicy("model server", {
      ...FAST,
      maxRetries: 0,
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 200 },
    });
    let healthy = false;
    let calls = 0;
    const fn = async () => {
      calls++;
      if (!healthy) throw status(503);
      return "ok";
    };
    for (let i = 0; i < 3; i++) await expect(policy.execute("d1", fn)).rejects.toBeInstanceOf(UpstreamError);
    const rejected = await policy.execute("d1", fn).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(UpstreamRejected);
    expect((rejected as UpstreamRejected).retryAfterSeconds).toBe(1);
    expect(calls).toBe(3);
    // Another deployment has its own circuit.
    healthy = true;
    await expect(policy.execute("d2", fn)).resolves.toBe("ok");
    await new Promise((resolve) => setTimeout(resolve, 250)); // the breaker's own half-open pause
    await expect(policy.execute("d1", fn)).resolves.toBe("ok");
    await expect(policy.execute("d1", fn)).resolves.toBe("ok");
  });

  it("does not count the caller's own errors (4xx) against the circuit", async () => {
    const policy = new UpstreamPolicy("m", {
      ...FAST,
      maxRetries: 0,
      breaker: { consecutiveFailures: 2, halfOpenAfterMs: 10_000 },
    });
    for (let i = 0; i < 5; i++) {
      await expect(policy.execute("d1", async () => Promise.reject(status(400)))).rejects.toBeInstanceOf(
        UpstreamError,
      );
    }
    await expect(policy.execute("d1", async () => "ok")).resolves.toBe("ok");
  });

  it("rejects calls beyond the bulkhead instead of queueing them without bound", async () => {
    const policy = new UpstreamPolicy("m", { ...FAST, bulkhead: { limit: 2, queue: 1 } });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = [1, 2, 3].map(() => policy.execute("d1", async () => gate.then(() => "ok")));
    const rejected = await policy.execute("d1", async () => "ok").catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(UpstreamRejected);
    release();
    await expect(Promise.all(held)).resolves.toEqual(["ok", "ok", "ok"]);
  });

  it("turns a call past the deadline into a timeout and aborts its signal", async () => {
    const policy = new UpstreamPolicy("model server", { ...FAST, deadlineMs: 50 });
    let aborted = false;
    const error = await policy
      .execute("d1", ({ signal }) => {
        signal.addEventListener("abort", () => {
          aborted = true;
        });
        return new Promise<string>(() => {});
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).failure).toBe("timeout");
    expect(aborted).toBe(true);
  });

  it("starts no attempt once the request's deadline has passed, not even the retry after a backoff", async () => {
    const policy = new UpstreamPolicy("m", { ...FAST, baseDelayMs: 200, maxDelayMs: 200 });
    const deadline = new RequestDeadline(20);
    const calls: number[] = [];
    // The deadline passes while the first attempt fails: its retry would start after the backoff.
    const fn = async ({ attempt }: { attempt: number }) => {
      calls.push(attempt);
      await new Promise((resolve) => setTimeout(resolve, 30));
      throw status(503);
    };
    const outcome = await policy.execute("d1", fn, deadline).catch((e: unknown) => e);
    expect(outcome).toMatchObject({ failure: "timeout" });
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the backoff
    expect(calls).toEqual([1]);
    await expect(policy.execute("d2", fn, deadline)).rejects.toMatchObject({ failure: "timeout" });
    expect(calls).toEqual([1]);
  });

  it("never waits a backoff past the deadline: a Retry-After longer than the time left ends at the deadline", async () => {
    const policy = new UpstreamPolicy("m", { ...FAST, retryAfterCapMs: 10_000 });
    const deadline = new RequestDeadline(100);
    const calls: number[] = [];
    const fn = async ({ attempt, remainingMs }: { attempt: number; remainingMs?: number }) => {
      calls.push(attempt);
      expect(remainingMs).toBeGreaterThan(0);
      expect(remainingMs).toBeLessThanOrEqual(100);
      throw status(429, 5); // Retry-After: 5 s
    };
    const outcome = policy.execute("d1", fn, deadline).catch((e: unknown) => e);
    const settled = await Promise.race([
      outcome,
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2_000)),
    ]);
    expect(settled).toMatchObject({ failure: "timeout" });
    expect(calls).toEqual([1]);
  });

  it("gives each attempt what is left of the deadline as its timeout, and calls its timeout the deadline's", async () => {
    const policy = new UpstreamPolicy("model server", FAST);
    const seen: Array<number | undefined> = [];
    const error = await policy
      .execute(
        "d1",
        async ({ remainingMs }) => {
          seen.push(remainingMs);
          // What the transport answers when that timeout fires.
          await new Promise((resolve) => setTimeout(resolve, remainingMs));
          throw new UpstreamError("timeout", "model server", "model server did not answer in time");
        },
        new RequestDeadline(30),
      )
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[0]).toBeLessThanOrEqual(30);
    expect(error).toMatchObject({
      failure: "timeout",
    });
  });
  it("answers at the deadline a call still waiting in the bulkhead's queue behind calls of other requests", async () => {
    const policy = new UpstreamPolicy("model server", { ...FAST, bulkhead: { limit: 1, queue: 4 } });
    let release: (value: string) => void = () => undefined;
    const held = policy.execute("d1", () => new Promise<string>((resolve) => (release = resolve)));
    const calls: number[] = [];
    const waiting = policy
      .execute(
        "d1",
        async ({ attempt }) => {
          calls.push(attempt);
          return "ok";
        },
        new RequestDeadline(50),
      )
      .catch((e: unknown) => e);
    const settled = await Promise.race([
      waiting,
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 2_000)),
    ]);
    expect(settled).toMatchObject({ failure: "timeout" });
    release("done");
    await expect(held).resolves.toBe("done");
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([]); // its turn came after its deadline: not started
  });
});
