import { ConfigError } from "../config/configError";

/** The Standard Webhooks example schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_RETRY_SCHEDULE = "0s,5s,5m,30m,2h,5h,10h,14h,20h,24h";

/** A storage queue message can be hidden for at most 7 days; no delay may be longer. */
export const MAX_DELAY_MS = 7 * 24 * 3_600_000;

const SETTING = "CALLBACK_RETRY_SCHEDULE";
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;
const MAX_ATTEMPTS = 100;

/** Up to this share of a retry's delay is added at random, so that the retries of many callbacks that failed together (a receiver's outage) do not all arrive at the same moment. */
export const JITTER_SHARE = 0.1;

/**
 * `CALLBACK_RETRY_SCHEDULE`: one delay per attempt, comma-separated durations (`500ms`, `5s`, `5m`, `2h`, `1d`).
 * The first delay is the wait before the first attempt, each next one the wait after a failed attempt; as many
 * attempts as delays.
 */
export class RetrySchedule {
  private constructor(
    readonly delaysMs: readonly number[],
    private readonly random: () => number = Math.random,
  ) {}

  /** The same delays, with another source of randomness for the jitter (tests). */
  withRandom(random: () => number): RetrySchedule {
    return new RetrySchedule(this.delaysMs, random);
  }

  /** Throws a one-line ConfigError naming the setting; an unset or empty setting is the default schedule. */
  static parse(text: string | undefined): RetrySchedule {
    const source = text === undefined || text.trim() === "" ? DEFAULT_RETRY_SCHEDULE : text;
    const entries = source.split(",").map((entry) => entry.trim());
    if (entries.length > MAX_ATTEMPTS) {
      throw new ConfigError(`${SETTING} has more than ${MAX_ATTEMPTS} delays`);
    }
    const delaysMs = entries.map((entry) => {
      const match = DURATION.exec(entry);
      if (!match) {
        throw new ConfigError(
          `${SETTING} has an entry that is not a duration like 0s, 500ms, 5s, 5m, 2h or 1d (comma-separated)`,
        );
      }
      const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
      if (ms > MAX_DELAY_MS) throw new ConfigError(`${SETTING} has a delay over 7 days (the queue's limit)`);
      return ms;
    });
    return new RetrySchedule(delaysMs);
  }

  get attempts(): number {
    return this.delaysMs.length;
  }

  /** The waits before the attempts after attempt `attempt` (0: all of them), as the schedule has them. */
  remainingMs(attempt: number): number {
    return this.delaysMs.slice(attempt).reduce((sum, ms) => sum + ms, 0);
  }

  /** The wait before the first attempt. */
  get firstDelayMs(): number {
    return this.delaysMs[0] ?? 0;
  }

  /**
   * The wait before the attempt after failed attempt `attempt` (1-based), or undefined when that was the last: the
   * schedule's delay plus up to JITTER_SHARE of it at random. A receiver's Retry-After can make it longer, never
   * shorter, and nothing makes it longer than the queue's 7 days.
   */
  delayAfter(attempt: number, retryAfterMs?: number): number | undefined {
    const scheduled = this.delaysMs[attempt];
    if (scheduled === undefined) return undefined;
    const jittered = scheduled + Math.floor(scheduled * JITTER_SHARE * this.random());
    return Math.min(Math.max(jittered, retryAfterMs ?? 0), MAX_DELAY_MS);
  }
}
