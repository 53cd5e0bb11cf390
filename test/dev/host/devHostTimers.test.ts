import { describe, expect, it } from "vitest";
import { startFixtureHost } from "./devHostProcess";

interface TimerSeen {
  isPastDue: boolean;
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string };
}

describe("dev host timer triggers", () => {
  it("runs on startup and then on its NCRONTAB schedule, resolving %Setting%, with a Timer object", async () => {
    const { host } = await startFixtureHost({ FIXTURE_TIMERS: "1", TICK_SCHEDULE: "*/1 * * * * *" });
    try {
      expect(host.output("stdout")).toMatch(
        /tick: timer "\*\/1 \* \* \* \* \*" from %TICK_SCHEDULE% UTC, runOnStartup/,
      );
      const first = await host.waitForLine(/info tick \(([0-9a-f-]{36})\): tick (.*)$/);
      const second = await host.waitForLine(
        /info tick \(([0-9a-f-]{36})\): tick (.*)$/,
        5_000,
        host.lines.length,
      );
      const third = await host.waitForLine(
        /info tick \(([0-9a-f-]{36})\): tick (.*)$/,
        5_000,
        host.lines.length,
      );
      expect(new Set([first[1], second[1], third[1]]).size).toBe(3);
      const timer = JSON.parse(third[2] as string) as TimerSeen;
      expect(timer.isPastDue).toBe(false);
      expect(timer.schedule).toEqual({ adjustForDST: true });
      const next = Date.parse(timer.scheduleStatus.next);
      const last = Date.parse(timer.scheduleStatus.last);
      expect(next % 1000).toBe(0);
      expect(next).toBeGreaterThan(last);
      expect(Date.parse(timer.scheduleStatus.lastUpdated)).toBeLessThan(next);
    } finally {
      await host.stop();
    }
  });

  it("never overlaps runs of one timer: skips a tick while a run is going and marks the next run past due", async () => {
    const { host } = await startFixtureHost({ FIXTURE_SLOW_TIMER: "1" });
    try {
      await host.waitForLine(/slow start 2 pastDue=(true|false)$/, 15_000);
      const texts = host.lines.map((l) => l.text);
      const index = (pattern: RegExp) => texts.findIndex((t) => pattern.test(t));
      expect(index(/slow end 1$/)).toBeGreaterThan(index(/slow start 1 /));
      expect(index(/slow start 2 /)).toBeGreaterThan(index(/slow end 1$/));
      expect(index(/Timer 'slow': skipped the .* run, the previous run is still going/)).toBeGreaterThan(
        index(/slow start 1 /),
      );
      expect(texts[index(/slow start 2 /)]).toMatch(/pastDue=true$/);
    } finally {
      await host.stop();
    }
  });
});
