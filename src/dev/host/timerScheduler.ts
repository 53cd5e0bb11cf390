import { parseCronSchedule } from "../../shared/cronSchedule";
import type { FunctionsLibrary } from "./functionsLibrary";
import type { TimerFunction } from "./functionTable";
import { type InvocationOutcome, invoke } from "./invocation";
import { type Console, hostLine } from "./logging";
import { type QueueOutputWriter, queueOutputsOf } from "./queueOutputWriter";

/** The `Timer` object a timer handler receives (the library's `Timer` type). */
export interface TimerInfo {
  isPastDue: boolean;
  schedule: { adjustForDST: boolean };
  scheduleStatus: { last: string; next: string; lastUpdated: string };
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** A tick that starts later than this after its scheduled time is past due. */
const LATE_MS = 1_000;

export function nextOccurrence(schedule: string, after: Date): Date {
  return parseCronSchedule(schedule, { currentDate: after }).next().toDate();
}

export function previousOccurrence(schedule: string, before: Date): Date {
  return parseCronSchedule(schedule, { currentDate: before }).prev().toDate();
}

/**
 * Runs one timer function on its NCRONTAB schedule (UTC). Runs never overlap: a tick that comes while
 * the previous run is still going is skipped, and the next run is marked `isPastDue`.
 */
export class TimerScheduler {
  readonly #fn: TimerFunction;
  readonly #library: FunctionsLibrary;
  readonly #out: Console;
  #timeout: NodeJS.Timeout | undefined;
  #running: Promise<InvocationOutcome> | undefined;
  #missedTick = false;
  /** The last scheduled run; before the first one, the occurrence before start, worked out when first needed. */
  #lastScheduled: Date | undefined;
  readonly #startedAt = new Date();
  #closed = false;

  readonly #writer: QueueOutputWriter | undefined;
  readonly #verbose: boolean;

  constructor(
    fn: TimerFunction,
    library: FunctionsLibrary,
    out: Console,
    writer?: QueueOutputWriter,
    verbose = false,
  ) {
    this.#writer = writer;
    this.#fn = fn;
    this.#verbose = verbose;
    this.#library = library;
    this.#out = out;
  }

  start(): void {
    if (this.#fn.runOnStartup) this.#run(new Date(), "runOnStartup");
    this.#scheduleAfter(new Date());
  }

  #scheduleAfter(after: Date): void {
    if (this.#closed) return;
    let target = nextOccurrence(this.#fn.schedule, after);
    const now = Date.now();
    if (target.getTime() < now - LATE_MS) {
      // Far behind (the process was suspended): skip to the next occurrence from now, past due.
      this.#missedTick = true;
      target = nextOccurrence(this.#fn.schedule, new Date(now));
    }
    const wait = (): void => {
      const delay = target.getTime() - Date.now();
      if (delay > MAX_TIMEOUT_MS) {
        this.#timeout = setTimeout(wait, MAX_TIMEOUT_MS);
        return;
      }
      this.#timeout = setTimeout(() => this.#tick(target), Math.max(0, delay));
    };
    wait();
  }

  #tick(scheduled: Date): void {
    if (this.#running) {
      this.#missedTick = true;
      hostLine(
        this.#out,
        `Timer '${this.#fn.name}': skipped the ${scheduled.toISOString()} run, the previous run is still going`,
        "warning",
      );
    } else {
      this.#run(scheduled, "Timer fired");
    }
    this.#scheduleAfter(scheduled);
  }

  #run(scheduled: Date, reason: string): void {
    const now = new Date();
    const timer: TimerInfo = {
      isPastDue: this.#missedTick || now.getTime() - scheduled.getTime() > LATE_MS,
      schedule: { adjustForDST: true },
      scheduleStatus: {
        last: (this.#lastScheduled ?? previousOccurrence(this.#fn.schedule, this.#startedAt)).toISOString(),
        next: nextOccurrence(this.#fn.schedule, now).toISOString(),
        lastUpdated: now.toISOString(),
      },
    };
    this.#missedTick = false;
    this.#lastScheduled = scheduled;
    const running = invoke(this.#library, this.#out, {
      functionName: this.#fn.name,
      bindings: this.#fn.bindings,
      callback: this.#fn.callback,
      input: timer,
      queueOutputs: queueOutputsOf(this.#fn, this.#writer),
      reason: `${reason} at ${scheduled.toISOString()}${timer.isPastDue ? ", past due" : ""}`,
      verbose: this.#verbose,
    });
    this.#running = running;
    running.finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
  }

  /** Stops scheduling and waits for a run in progress (up to `graceMs`). */
  async close(graceMs = 10_000): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timeout);
    const running = this.#running;
    if (!running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      running,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
