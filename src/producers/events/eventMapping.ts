import { toPredictionRequest } from "../../payloadMapping/payloadMapping";
import type { PredictionRequest, Violation } from "../../scoring/predictionRequest";
import { ProblemError } from "../../shared/problem";
import type { EventDefinition } from "./eventCatalog";

/** What an entry's `map` pointers point into: the CloudEvent, and the source system's answer when enriched. */
export function mappingDocument(event: Record<string, unknown>, enriched?: unknown): Record<string, unknown> {
  return enriched === undefined ? { event } : { event, enriched };
}

/**
 * The event (and its enrichment) as the validated request `/predict` would have built: through the entry's `map`
 * (pointers into {event, enriched}), or, without one, the event's `data` as the instance. Throws the ProblemError
 * `/predict` would answer; every pointer in it points into {event, enriched}.
 */
export function eventToPredictionRequest(
  entry: EventDefinition,
  event: Record<string, unknown>,
  enriched?: unknown,
): PredictionRequest {
  if (entry.map) return toPredictionRequest(mappingDocument(event, enriched), entry);
  try {
    return toPredictionRequest(event.data, entry);
  } catch (error) {
    if (!(error instanceof ProblemError) || !Array.isArray(error.problem.errors)) throw error;
    const errors = (error.problem.errors as Violation[]).map((violation) => ({
      ...violation,
      pointer: `/event/data${violation.pointer}`,
    }));
    throw new ProblemError({ ...error.problem, errors }, error.headers);
  }
}
