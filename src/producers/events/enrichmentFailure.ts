import { UpstreamError } from "../../aicore/upstreamError";
import { UpstreamRejected } from "../../aicore/upstreamPolicy";
import { errorLine } from "../../shared/errorLine";
import { type Problem, problem } from "../../shared/problem";

/**
 * Enrichment did not give the event's details. `permanent`: another attempt will meet the same answer (404,
 * a key that cannot be put in the URL, a refused credential): the event ends with a failed result. Otherwise
 * (5xx, timeout, unreachable, open circuit) the queued job is retried.
 */
export class EnrichmentFailure extends Error {
  override readonly name = "EnrichmentFailure";
  constructor(
    readonly permanent: boolean,
    readonly problem: Problem,
  ) {
    super(problem.detail);
  }
}

export function permanentEnrichmentFailure(
  detail: string,
  extensions: Record<string, unknown> = {},
): EnrichmentFailure {
  return new EnrichmentFailure(true, problem("enrichment-failed", 422, detail, extensions));
}

/** What a failed call to the source system (or its token endpoint) means for the event. */
export function enrichmentFailureOf(error: unknown): EnrichmentFailure {
  if (error instanceof EnrichmentFailure) return error;
  if (error instanceof UpstreamRejected) {
    return new EnrichmentFailure(
      false,
      problem("enrichment-failed", 503, error.message, { retryAfterSeconds: error.retryAfterSeconds }),
    );
  }
  if (error instanceof UpstreamError) {
    const status = error.status;
    const transient =
      error.failure !== "status" || (status !== undefined && (status >= 500 || status === 429));
    const extensions =
      status === undefined ? {} : { upstreamStatus: status, upstreamBody: error.bodyExcerpt };
    return new EnrichmentFailure(
      !transient,
      problem("enrichment-failed", error.failure === "timeout" ? 504 : 502, error.message, extensions),
    );
  }
  return new EnrichmentFailure(false, problem("enrichment-failed", 502, errorLine(error)));
}
