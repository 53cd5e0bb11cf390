import type { PredictionRequest } from "../scoring/predictionRequest";
import type { ScoringProblem } from "../scoring/scoringOutcome";
import type { JobEvent } from "./scoringJob";

/**
 * How an event job becomes a prediction request (type check, enrichment, mapping), registered by the events
 * producer: the job processor runs it without knowing events. Undefined when no entry of that name exists.
 */
export type EventPreparationStep = (
  event: JobEvent,
) => Promise<{ kind: "request"; request: PredictionRequest } | ScoringProblem> | undefined;
