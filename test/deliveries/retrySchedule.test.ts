import { describe, expect, it } from "vitest";
import { MAX_DELAY_MS, RetrySchedule } from "../../src/deliveries/retrySchedule";
import { messageOf } from "../support/thrown";

const HOUR = 3_600_000;

describe("CALLBACK_RETRY_SCHEDULE", () => {
  it("defaults to the Standard Webhooks example schedule: ten attempts over about three days", () => {
    const schedule = RetrySchedule.parse(undefined);
    expect(schedule.delaysMs).toEqual([
      0,
      5_000,
      300_000,
      1_800_000,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      14 * HOUR,
      20 * HOUR,
      24 * HOUR,
    ]);
    expect(schedule.attempts).toBe(10);
    expect(RetrySchedule.parse("  ").attempts).toBe(10);
  });

  it("reads milliseconds, seconds, minutes, hours and days, with spaces around the commas", () => {
    expect(RetrySchedule.parse("500ms, 1s ,2m,3h,1d").delaysMs).toEqual([
      500,
      1_000,
      120_000,
      3 * HOUR,
      24 * HOUR,
    ]);
  });

  it("waits the first delay before the first attempt and the next one after each failure", () => {
    const schedule = RetrySchedule.parse("1s,2s,3s").withRandom(() => 0);
    expect(schedule.firstDelayMs).toBe(1_000);
    expect(schedule.delayAfter(1)).toBe(2_000);
    expect(schedule.delayAfter(2)).toBe(3_000);
    expect(schedule.delayAfter(3)).toBeUndefined();
  });

  it("lets Retry-After lengthen a delay but never shorten it, and caps it at the queue's seven days", () => {
    const schedule = RetrySchedule.parse("0s,10s,10s").withRandom(() => 0);
    expect(schedule.delayAfter(1, 30_000)).toBe(30_000);
    expect(schedule.delayAfter(1, 1_000)).toBe(10_000);
    expect(schedule.delayAfter(1, 30 * 24 * HOUR)).toBe(MAX_DELAY_MS);
    expect(schedule.delayAfter(3, 1_000)).toBeUndefined();
  });

  it("adds up to a tenth of each retry's delay at random, never less than the schedule", () => {
    const schedule = RetrySchedule.parse("0s,10s,1h");
    const delays = Array.from({ length: 200 }, () => schedule.delayAfter(1) ?? 0);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(11_000);
    expect(new Set(delays).size).toBeGreaterThan(50);
    expect(schedule.withRandom(() => 0.999).delayAfter(2)).toBe(HOUR + Math.floor(HOUR * 0.1 * 0.999));
    expect(schedule.withRandom(() => 0.5).delayAfter(1, 60_000)).toBe(60_000);
  });

  it("stops the app on a value that is not a list of durations, naming the setting", () => {
    for (const text of ["5", "5 s", "5sec", "-1s", "1.5s", "1s,,2s", "1w"]) {
      expect(
        messageOf(() => RetrySchedule.parse(text)),
        text,
      ).toMatch(/^CALLBACK_RETRY_SCHEDULE has an entry/);
    }
    expect(messageOf(() => RetrySchedule.parse("8d"))).toBe(
      "CALLBACK_RETRY_SCHEDULE has a delay over 7 days (the queue's limit)",
    );
    expect(messageOf(() => RetrySchedule.parse(Array(101).fill("1s").join(",")))).toContain("more than 100");
  });
});
