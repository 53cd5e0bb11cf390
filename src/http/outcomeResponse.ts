import type { ScoringOutcome } from "../scoring/scoringOutcome";
import { problemResponse, type RelayResponse } from "./problemResponse";

export const DEPLOYMENT_ID_HEADER = "AI-Core-Deployment-Id";

/** The HTTP shape of a scoring outcome: the model's body as it came (200), or the problem+json. */
export function outcomeResponse(outcome: ScoringOutcome): RelayResponse {
  if (outcome.kind === "prediction") {
    return {
      status: 200,
      headers: { "Content-Type": outcome.contentType, [DEPLOYMENT_ID_HEADER]: outcome.deploymentId },
      body: outcome.body,
    };
  }
  const retry: Record<string, string> =
    outcome.retryAfterSeconds === undefined ? {} : { "Retry-After": String(outcome.retryAfterSeconds) };
  return problemResponse(outcome.problem, retry);
}
