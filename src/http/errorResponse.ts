import { UpstreamError } from "../aicore/upstreamError";
import { UpstreamRejected } from "../aicore/upstreamPolicy";
import type { Logger } from "../logger";
import { ProblemError, problem, problemResponse, type RelayResponse } from "./problem";

/**
 * The edge of every handler: whatever was thrown becomes problem+json. Unexpected errors are logged as one
 * line (no stack to the caller) and answered 500.
 */
export function toErrorResponse(error: unknown, logger: Logger): RelayResponse {
  if (error instanceof ProblemError) return problemResponse(error.problem, error.headers);
  if (error instanceof UpstreamRejected) {
    return problemResponse(problem("upstream-rejected", 503, error.message), {
      "Retry-After": String(error.retryAfterSeconds),
    });
  }
  if (error instanceof UpstreamError) {
    const retry: Record<string, string> =
      error.retryAfterSeconds === undefined ? {} : { "Retry-After": String(error.retryAfterSeconds) };
    if (error.failure === "timeout") {
      return problemResponse(problem("upstream-timeout", 504, error.message), retry);
    }
    if (error.failure === "unreachable") {
      return problemResponse(problem("upstream-unreachable", 502, error.message), retry);
    }
    return problemResponse(
      problem("upstream-error", 502, error.message, {
        upstreamStatus: error.status,
        upstreamBody: error.bodyExcerpt,
      }),
      retry,
    );
  }
  logger.error(
    `unexpected error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
  return problemResponse(
    problem("internal-error", 500, "The relay failed unexpectedly; the error was logged"),
  );
}
