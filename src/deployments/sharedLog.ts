import type { Logger } from "../shared/logger";

type Level = "log" | "warn" | "error";

/** Lines kept for the next invocation while no invocation waits on the shared work (bounded). */
const MAX_HELD = 100;

/**
 * The log of work that several invocations share (one list call for many waiting requests and the timer).
 * Each line goes through the context of an invocation that is still waiting for the work, never through one
 * that has already ended; while none waits, lines are held and written through the next one that joins.
 */
export class SharedLog implements Logger {
  private readonly waiting: Logger[] = [];
  private readonly held: [Level, unknown[]][] = [];

  /** `logger` waits on the shared work until the returned function is called. */
  join(logger: Logger): () => void {
    this.waiting.push(logger);
    for (const [level, args] of this.held.splice(0)) logger[level](...args);
    return () => {
      const index = this.waiting.indexOf(logger);
      if (index !== -1) this.waiting.splice(index, 1);
    };
  }

  log(...args: unknown[]): void {
    this.write("log", args);
  }

  warn(...args: unknown[]): void {
    this.write("warn", args);
  }

  error(...args: unknown[]): void {
    this.write("error", args);
  }

  private write(level: Level, args: unknown[]): void {
    const target = this.waiting[0];
    if (target) target[level](...args);
    else if (this.held.length < MAX_HELD) this.held.push([level, args]);
  }
}
