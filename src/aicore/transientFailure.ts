import type { AxiosResponse } from "axios";
import { bodyExcerpt, parseRetryAfter, UpstreamError } from "./upstreamError";

/** Statuses worth another attempt: rate limiting and the gateway family. Never other 4xx. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Failures a policy already retried and gave up on. A call made inside another policy's attempt (the token
 * fetch inside a predict or list call) must not be retried again by the outer policy: 4 x 4 = 16 calls
 * against an endpoint that is already failing. Nor is it charged to the outer policy's circuit.
 */
const exhausted = new WeakSet<UpstreamError>();

export function markExhausted(error: unknown): void {
  if (error instanceof UpstreamError) exhausted.add(error);
}

/**
 * A failure that another attempt may not meet: a connection error or a retryable status. A timeout is not
 * transient here: the upstream took its whole budget once, and waiting it out again would blow the deadline.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof UpstreamError) || exhausted.has(error)) return false;
  if (error.failure === "unreachable") return true;
  return error.failure === "status" && error.status !== undefined && RETRYABLE_STATUSES.has(error.status);
}

/** What counts against a deployment's circuit: transient failures and timeouts, never the caller's own errors. */
export function isUpstreamFault(error: unknown): boolean {
  if (error instanceof UpstreamError && exhausted.has(error)) return false;
  return isTransient(error) || (error instanceof UpstreamError && error.failure === "timeout");
}

/**
 * An outage of the upstream as a whole: it could not be reached, or it answered 5xx. Unlike isUpstreamFault it
 * leaves out timeouts and 429: one slow record (or a rate limit) says nothing about the calls for other records.
 */
export function isServerOutage(error: unknown): boolean {
  if (!(error instanceof UpstreamError) || exhausted.has(error)) return false;
  if (error.failure === "unreachable") return true;
  return error.failure === "status" && error.status !== undefined && error.status >= 500;
}

/** Turns a retryable answer into a thrown transient failure, so the retry policy sees it; others pass. */
export function throwIfRetryable<T extends AxiosResponse>(response: T, upstream: string): T {
  if (!RETRYABLE_STATUSES.has(response.status)) return response;
  const header = response.headers["retry-after"];
  throw new UpstreamError(
    "status",
    upstream,
    `${upstream} answered ${response.status}`,
    response.status,
    bodyExcerpt(response.data),
    parseRetryAfter(typeof header === "string" ? header : undefined),
  );
}
