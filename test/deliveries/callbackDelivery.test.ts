import { afterEach, describe, expect, it } from "vitest";
import { CallbackAllowList } from "../../src/deliveries/allowList";
import {
  CallbackDelivery,
  type CallbackJobs,
  type CallbackProgress,
  type CallbackQueue,
  type CallbackTask,
} from "../../src/deliveries/callbackDelivery";
import { CallbackSender } from "../../src/deliveries/callbackSender";
import { CallbackSigner } from "../../src/deliveries/callbackSigner";
import { RetrySchedule } from "../../src/deliveries/retrySchedule";
import { RECEIVER_SECRET, type ScriptedAnswer, startCallbackReceiver } from "./callbackReceiver";

// The decision logic against a real receiver; the job store and queue are in memory here (the Azurite-backed
// ones are exercised end to end in the integration tests).

const EVENT = JSON.stringify({
  specversion: "1.0",
  id: "result-7",
  type: "aicore-relay.prediction.succeeded",
});
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

class MemoryJobs implements CallbackJobs {
  readonly history: CallbackProgress[] = [];
  callback: CallbackProgress | undefined = { state: "pending", attempts: 0, at: new Date() };
  failNextRecord = false;
  exists = true;
  async load() {
    return this.exists ? { resultId: "result-7", body: EVENT, callback: this.callback } : undefined;
  }
  async record(_jobId: string, progress: CallbackProgress) {
    if (this.failNextRecord) {
      this.failNextRecord = false;
      throw new Error("storage unreachable");
    }
    this.callback = progress;
    this.history.push(progress);
  }
}

class MemoryQueue implements CallbackQueue {
  readonly scheduled: { task: CallbackTask; delayMs: number }[] = [];
  readonly poison: CallbackTask[] = [];
  async schedule(task: CallbackTask, delayMs: number) {
    this.scheduled.push({ task, delayMs });
  }
  async deadLetter(task: CallbackTask) {
    this.poison.push(task);
  }
}

async function setUp(
  script: ScriptedAnswer[],
  options: { schedule?: string; allowed?: string; now?: () => Date } = {},
) {
  const receiver = await startCallbackReceiver(script);
  const sender = new CallbackSender({
    signer: CallbackSigner.fromSetting(RECEIVER_SECRET) as CallbackSigner,
  });
  cleanups.push(
    () => receiver.close(),
    () => sender.close(),
  );
  const jobs = new MemoryJobs();
  const queue = new MemoryQueue();
  const warnings: string[] = [];
  const allowList = CallbackAllowList.parse(options.allowed ?? "http://127.0.0.1:*");
  const delivery = new CallbackDelivery({
    admit: (url) => allowList.check(url),
    send: (message) => sender.send(message),
    // No jitter: the tests read the delays the schedule names.
    schedule: RetrySchedule.parse(options.schedule ?? "1s,1s,1s").withRandom(() => 0),
    queue,
    jobs,
    now: options.now,
  });
  const logger = { warn: (line: string) => warnings.push(line) };
  const first: CallbackTask = { jobId: "job-7", url: `${receiver.url}/hooks?tenant=7`, attempt: 1 };
  /** Runs the first task and every task it schedules, as the queue would. */
  const drain = async () => {
    let next: CallbackTask | undefined = first;
    while (next) {
      const before = queue.scheduled.length;
      await delivery.run(next, logger);
      next = queue.scheduled.length > before ? queue.scheduled.at(-1)?.task : undefined;
    }
  };
  return { receiver, jobs, queue, warnings, delivery, first, drain, logger };
}

describe("callback delivery", () => {
  it("delivers after 503, 503, 200 exactly once, every attempt signed under the result's id", async () => {
    const { receiver, jobs, queue, drain } = await setUp([{ status: 503 }, { status: 503 }, { status: 200 }]);
    await drain();
    expect(receiver.received.map((r) => [r.answeredStatus, r.webhookId, r.verified])).toEqual([
      [503, "result-7", true],
      [503, "result-7", true],
      [200, "result-7", true],
    ]);
    expect(queue.scheduled.map((s) => [s.task.attempt, s.delayMs])).toEqual([
      [2, 1_000],
      [3, 1_000],
    ]);
    expect(jobs.callback).toMatchObject({ state: "delivered", attempts: 3, lastStatus: 200 });
    expect(queue.poison).toEqual([]);
  });

  it("waits as long as a 503's Retry-After asks when that is longer than the schedule", async () => {
    const { queue, delivery, first, logger } = await setUp([
      { status: 503, headers: { "Retry-After": "4" } },
    ]);
    await delivery.run(first, logger);
    expect(queue.scheduled.map((s) => s.delayMs)).toEqual([4_000]);
  });

  it("keeps to the schedule when Retry-After asks for less", async () => {
    const { queue, delivery, first, logger } = await setUp(
      [{ status: 429, headers: { "Retry-After": "0" } }],
      {
        schedule: "0s,30s",
      },
    );
    await delivery.run(first, logger);
    expect(queue.scheduled.map((s) => s.delayMs)).toEqual([30_000]);
  });

  it("stops at once on 410 Gone and marks the callback gone", async () => {
    const { receiver, jobs, queue, drain } = await setUp([{ status: 410 }]);
    await drain();
    expect(receiver.received).toHaveLength(1);
    expect(queue.scheduled).toEqual([]);
    expect(jobs.callback).toMatchObject({ state: "gone", attempts: 1, lastStatus: 410 });
  });

  it("dead-letters the task after the last attempt and records the last status", async () => {
    const { receiver, jobs, queue, warnings, drain } = await setUp([
      { status: 500 },
      { status: 302, headers: { Location: "http://127.0.0.1:1/" } },
      { status: 502 },
    ]);
    await drain();
    expect(receiver.received).toHaveLength(3);
    expect(queue.poison).toEqual([expect.objectContaining({ jobId: "job-7", attempt: 3 })]);
    expect(jobs.callback).toMatchObject({ state: "failed", attempts: 3, lastStatus: 502 });
    expect(warnings).toEqual([
      expect.stringMatching(/^callback for job job-7 failed after 3 attempts: .* answered 502$/),
    ]);
  });

  it("never delivers a result again once its 2xx is recorded", async () => {
    const { receiver, delivery, first, logger, drain } = await setUp([]);
    await drain();
    await delivery.run(first, logger);
    expect(receiver.received).toHaveLength(1);
  });

  it("after a crash between the receiver's 2xx and the record, delivers once more under the same webhook-id", async () => {
    const { receiver, jobs, delivery, first, logger } = await setUp([]);
    jobs.failNextRecord = true;
    await expect(delivery.run(first, logger)).rejects.toThrow("storage unreachable");
    // The host delivers the message again, since the invocation failed.
    await delivery.run(first, logger);
    await delivery.run(first, logger);
    expect(receiver.received.map((r) => r.webhookId)).toEqual(["result-7", "result-7"]);
    expect(jobs.callback).toMatchObject({ state: "delivered", attempts: 1 });
  });

  it("refuses a URL the allow-list no longer admits without connecting, and logs it once", async () => {
    const { receiver, jobs, queue, warnings, delivery, first, logger } = await setUp([], {
      allowed: "crm.example.com",
    });
    await delivery.run(first, logger);
    await delivery.run(first, logger);
    expect(receiver.connections.count).toBe(0);
    expect(queue.scheduled).toEqual([]);
    expect(jobs.callback).toMatchObject({ state: "refused", attempts: 0 });
    expect(warnings).toEqual([
      "callback for job job-7 refused: the callback host 127.0.0.1 is not in CALLBACK_ALLOWED_HOSTS",
    ]);
  });

  it("dead-letters a task whose job record is gone, as failed, instead of dropping it silently", async () => {
    const { receiver, jobs, queue, warnings, delivery, first, logger } = await setUp([]);
    jobs.exists = false;
    await delivery.run({ ...first, attempt: 8 }, logger);
    expect(receiver.connections.count).toBe(0);
    expect(queue.poison).toEqual([expect.objectContaining({ jobId: "job-7", attempt: 8 })]);
    expect(warnings).toEqual(["callback for job job-7: the job record is gone (expired); dead-lettered"]);
  });

  it("asks to keep the record until the attempts still scheduled can run, plus an hour", async () => {
    const now = new Date("2026-12-01T00:00:00Z");
    const { jobs, delivery, first, logger } = await setUp([{ status: 503 }], {
      schedule: "0s,5s,5m,2h",
      now: () => now,
    });
    await delivery.run(first, logger);
    // After attempt 1: 5 s to attempt 2, then 5 min and 2 h, then the margin.
    expect(jobs.callback?.keepUntil?.getTime()).toBe(now.getTime() + 5_000 + 300_000 + 7_200_000 + 3_600_000);
  });

  it("stops a series that a replay replaced: its task sends nothing", async () => {
    const { receiver, jobs, delivery, first, logger } = await setUp([]);
    jobs.callback = { state: "pending", attempts: 0, at: new Date(), series: 1 };
    await delivery.run(first, logger);
    expect(receiver.connections.count).toBe(0);
    await delivery.run({ ...first, series: 1 }, logger);
    expect(receiver.received).toHaveLength(1);
    expect(jobs.callback).toMatchObject({ state: "delivered", series: 1 });
  });
});
