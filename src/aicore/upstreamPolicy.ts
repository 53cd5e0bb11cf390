import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  type IDefaultPolicyContext,
  type IPolicy,
  type IRetryBackoffContext,
  type IRetryContext,
  type RetryPolicy,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import type { RequestDeadline } from "./requestDeadline";
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
  /** Overall budget of one call including every retry; undefined for none (the caller's deadline signal may bound it). */
  deadlineMs?: number;
  /**
   * Per-key circuit: opens after this many consecutive failed calls, probes again after halfOpenAfterMs. `counts`
   * says which failures count against it (isUpstreamFault by default: transient failures and timeouts).
   */
  breaker?: { consecutiveFailures: number; halfOpenAfterMs: number; counts?: (error: unknown) => boolean };
  /** Calls in flight at once on this instance, and how many may wait for a slot. */
  bulkhead?: { limit: number; queue: number };
}

export type CircuitStateName = "closed" | "open" | "half-open" | "isolated";

const CIRCUIT_STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "isolated",
};

export interface AttemptContext {
  attempt: number;
  /** Aborted by this policy's own deadline (deadlineMs), if it has one. */
  signal: AbortSignal;
  /** What is left of the caller's RequestDeadline: this attempt's timeout. */
  remainingMs?: number;
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
  /** The outer policies shared by every key: deadline, then bulkhead, when configured. */
  private readonly shared: IPolicy<IDefaultPolicyContext>[] = [];
  private readonly retryPolicy: RetryPolicy;
  /** The whole composition per key (its own circuit), built once and reused. */
  private readonly composed = new Map<string, IPolicy<IRetryContext>>();
  /** The bulkhead, when configured: a call that must queue for a slot waits under a timer of its deadline. */
  private readonly bulkhead: BulkheadPolicy | undefined;
  /** The circuit of each key, to show its state. */
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(
    readonly name: string,
    private readonly options: UpstreamPolicyOptions,
  ) {
    if (options.deadlineMs !== undefined) {
      this.shared.push(timeout(options.deadlineMs, TimeoutStrategy.Aggressive));
    }
    if (options.bulkhead) {
      this.bulkhead = bulkhead(options.bulkhead.limit, options.bulkhead.queue);
      this.shared.push(this.bulkhead);
    }
    this.retryPolicy = retry(handleWhen(isTransient), {
      maxAttempts: options.maxRetries,
      backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => this.delayFor(context)),
    });
  }

  /**
   * Runs `attempt` under the policies; `key` selects the circuit (a deployment id). `deadline` is the whole
   * request's: once it has passed no attempt starts, each attempt gets what is left of it as its timeout (so the one
   * in flight ends at the deadline), and a backoff never waits past it — all without a timer or signal per call.
   */
  async execute<T>(
    key: string,
    attempt: (context: AttemptContext) => Promise<T>,
    deadline?: RequestDeadline,
  ): Promise<T> {
    try {
      if (deadline?.passed()) throw new TaskCancelledError("the request deadline has passed");
      // Every slot taken: this call will wait in the bulkhead's queue for calls of other requests, which no timeout
      // of its own bounds. Only then is a timer worth its cost: the request answers at its deadline even so.
      const queued = deadline !== undefined && this.bulkhead?.executionSlots === 0;
      const run = this.policyFor(key).execute((context) => {
        if (context.signal.aborted || deadline?.passed()) {
          throw new TaskCancelledError("the request deadline has passed");
        }
        const sent = attempt({
          attempt: context.attempt + 1,
          signal: context.signal,
          remainingMs: deadline?.remainingMs(),
        });
        return deadline ? sent.catch((error: unknown) => rememberDeadline(error, deadline)) : sent;
      });
      return await (queued && deadline ? untilDeadline(run, deadline) : run);
    } catch (error) {
      // An attempt cut off by what was left of the deadline is the deadline's timeout.
      const deadlineTimeout =
        deadline?.passed() && error instanceof UpstreamError && error.failure === "timeout";
      const failure = this.translate(deadlineTimeout ? new TaskCancelledError() : error, key);
      markExhausted(failure); // an outer policy must not retry it again
      throw failure;
    }
  }

  /** deadline ( bulkhead ( circuit of this key ( retry ) ) ), composed with cockatiel's `wrap`. */
  private policyFor(key: string): IPolicy<IRetryContext> {
    let policy = this.composed.get(key);
    if (!policy) {
      const config = this.options.breaker;
      const breaker = config
        ? circuitBreaker(handleWhen(config.counts ?? isUpstreamFault), {
            halfOpenAfter: config.halfOpenAfterMs,
            breaker: new ConsecutiveBreaker(config.consecutiveFailures),
          })
        : undefined;
      if (breaker) this.breakers.set(key, breaker);
      policy = wrap(
        ...this.shared,
        ...(breaker ? [breaker] : []),
        this.retryPolicy,
      ) as IPolicy<IRetryContext>;
      this.composed.set(key, policy);
    }
    return policy;
  }

  /** The circuit of `key` on this instance; undefined when it has none (no breaker, or never called). */
  circuitState(key: string): CircuitStateName | undefined {
    const state = this.breakers.get(key)?.state;
    return state === undefined ? undefined : CIRCUIT_STATE_NAMES[state];
  }

  /** Exponential backoff with full jitter; a Retry-After answer is waited out (up to the cap) instead. */
  private delayFor(context: IRetryBackoffContext<unknown>): number {
    const failure = "error" in context.result ? context.result.error : undefined;
    const delay = this.backoffFor(failure, context.attempt);
    // Never wait past the request's deadline: a retry that would start after it is not made, and the request
    // answers as a timeout when the deadline comes.
    const deadline = failure instanceof Error ? deadlineOfFailure.get(failure) : undefined;
    if (!deadline) return delay;
    const left = deadline.remainingMs();
    if (delay < left) return delay;
    deadline.end();
    return left;
  }

  private backoffFor(failure: unknown, attempt: number): number {
    if (failure instanceof UpstreamError && failure.retryAfterSeconds !== undefined) {
      return Math.min(failure.retryAfterSeconds * 1000, this.options.retryAfterCapMs);
    }
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
    return Math.random() * ceiling;
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

/** The deadline of the request whose attempt failed: the retry's backoff reads it (failures are rare; calls are not). */
const deadlineOfFailure = new WeakMap<Error, RequestDeadline>();

function rememberDeadline(error: unknown, deadline: RequestDeadline): never {
  if (error instanceof Error) deadlineOfFailure.set(error, deadline);
  throw error;
}

/**
 * `work`, or a TaskCancelledError when the deadline passes first. The deadline is ended then: a timer may fire a
 * millisecond before the clock says it passed, and the queued call must not start once its request has answered.
 */
function untilDeadline<T>(work: Promise<T>, deadline: RequestDeadline): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const passed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      deadline.end();
      reject(new TaskCancelledError("the request deadline has passed"));
    }, Math.ceil(deadline.remainingMs()));
  });
  return Promise.race([work, passed]).finally(() => clearTimeout(timer));
}
