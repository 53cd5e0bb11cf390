/**
 * The whole budget of one request (REQUEST_DEADLINE_MS), every upstream call and retry included. A point in time,
 * not a timer: the hot path reads the time left when it starts a call (and gives that call it as its timeout), so a
 * prediction costs no AbortController, listener or timer of its own. A signal is made only for the rare call that
 * needs one (a live deployment lookup).
 */
export class RequestDeadline {
  private readonly expiresAt: number;
  private ended = false;

  constructor(budgetMs: number, now = performance.now()) {
    this.expiresAt = now + budgetMs;
  }

  remainingMs(): number {
    return this.ended ? 0 : Math.max(0, this.expiresAt - performance.now());
  }

  passed(): boolean {
    return this.ended || performance.now() >= this.expiresAt;
  }

  /**
   * Ends it now: a retry whose backoff reaches the deadline is not worth starting, whatever a timer that fires a
   * millisecond early makes the clock say when the backoff is over.
   */
  end(): void {
    this.ended = true;
  }

  /** A signal that aborts when the deadline passes, for calls that take one. */
  signal(): AbortSignal {
    return AbortSignal.timeout(Math.ceil(this.remainingMs()));
  }
}
