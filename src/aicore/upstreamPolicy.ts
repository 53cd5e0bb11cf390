import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  type IRetryBackoffContext,
  type RetryPolicy,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
} from "cockatiel";
import { isTransient, isUpstreamFault, markExhausted } from "./transientFailure";
import { UpstreamError } from "./upstreamError";

export interface UpstreamPolicyOptions {
  /** Retries after the first attempt (3 => 4 attempts in all). */
  maxRetries: number;
  /** Backoff: exponential from this base with full jitter, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A `Retry-After` from the upstream is honoured up to this cap. */
  retryAfterCapMs: number;
  /** Overall budget of one call including every retry; undefined for none. */
  deadlineMs?: number;
  /** Per-key circuit: opens after this many consecutive failed calls, probes again after halfOpenAfterMs. */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number };
  /** Calls in flight at once on this instance, and how many may wait for a slot. */
  bulkhead?: { limit: number; queue: number };
}

export interface AttemptContext {
  attempt: number;
  signal: AbortSignal;
}

/** Why the policy refused to call at all: answered 503 with Retry-After, at once. */
export class UpstreamRejected extends Error {
  override readonly name = "UpstreamRejected";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/**
 * The resilience of one upstream, composed once from cockatiel policies:
 * deadline ( bulkhead ( circuit per key ( retry ( attempt ) ) ) ).
 */
export class UpstreamPolicy {
  private readonly retryPolicy: RetryPolicy;
  private readonly bulkheadPolicy: BulkheadPolicy | undefined;
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(
    readonly name: string,
    private readonly options: UpstreamPolicyOptions,
  ) {
    this.retryPolicy = retry(handleWhen(isTransient), {
      maxAttempts: options.maxRetries,
      backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => this.delayFor(context)),
    });
    this.bulkheadPolicy = options.bulkhead
      ? bulkhead(options.bulkhead.limit, options.bulkhead.queue)
      : undefined;
  }

  /** Runs `attempt` under the policies; `key` selects the circuit (a deployment id). */
  async execute<T>(key: string, attempt: (context: AttemptContext) => Promise<T>): Promise<T> {
    const breaker = this.breakerFor(key);
    const retried = (signal: AbortSignal) =>
      this.retryPolicy.execute((context) => attempt({ attempt: context.attempt + 1, signal }), signal);
    const guarded = (signal: AbortSignal) =>
      breaker ? breaker.execute(({ signal: inner }) => retried(inner), signal) : retried(signal);
    const limited = (signal: AbortSignal) =>
      this.bulkheadPolicy
        ? this.bulkheadPolicy.execute(({ signal: inner }) => guarded(inner), signal)
        : guarded(signal);
    try {
      if (this.options.deadlineMs === undefined) return await limited(new AbortController().signal);
      return await timeout(this.options.deadlineMs, TimeoutStrategy.Aggressive).execute(({ signal }) =>
        limited(signal),
      );
    } catch (error) {
      const failure = this.translate(error, key);
      markExhausted(failure); // an outer policy must not retry it again
      throw failure;
    }
  }

  /** Exponential backoff with full jitter; a Retry-After answer is waited out (up to the cap) instead. */
  private delayFor(context: IRetryBackoffContext<unknown>): number {
    const failure = "error" in context.result ? context.result.error : undefined;
    if (failure instanceof UpstreamError && failure.retryAfterSeconds !== undefined) {
      return Math.min(failure.retryAfterSeconds * 1000, this.options.retryAfterCapMs);
    }
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (context.attempt - 1));
    return Math.random() * ceiling;
  }

  private breakerFor(key: string): CircuitBreakerPolicy | undefined {
    const config = this.options.breaker;
    if (!config) return undefined;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(isUpstreamFault), {
        halfOpenAfter: config.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(config.consecutiveFailures),
      });
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  private translate(error: unknown, key: string): unknown {
    if (error instanceof BrokenCircuitError) {
      const seconds = Math.ceil((this.options.breaker?.halfOpenAfterMs ?? 1000) / 1000);
      return new UpstreamRejected(
        `${this.name} of ${key} failed repeatedly; its circuit is open and the next probe is within ${seconds} s`,
        seconds,
      );
    }
    if (error instanceof BulkheadRejectedError) {
      return new UpstreamRejected(`too many ${this.name} calls in flight on this instance`, 1);
    }
    if (error instanceof TaskCancelledError) {
      return new UpstreamError(
        "timeout",
        this.name,
        `${this.name} did not answer within the request deadline`,
      );
    }
    return error;
  }
}
