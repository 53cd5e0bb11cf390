import type { EventPreparationStep } from "../../jobs/eventPreparationStep";
import type { PredictionRequest } from "../../scoring/predictionRequest";
import type { ScoringProblem } from "../../scoring/scoringOutcome";
import { ProblemError, problem } from "../../shared/problem";
import { EnrichmentFailure } from "./enrichmentFailure";
import type { EventEntry } from "./eventEntries";
import { eventToPredictionRequest } from "./eventMapping";

/** An event ready to score: the entry's model and the validated request. */
export interface PreparedEvent {
  kind: "request";
  request: PredictionRequest;
}

/** Why an event cannot be scored (now): `transient` when a later attempt may succeed. */
export type UnpreparedEvent = ScoringProblem;

/** Whether the entry scores this event's type: the one check made before anything else. */
export function typeProblem(entry: EventEntry, type: string): UnpreparedEvent | undefined {
  if (entry.types.has(type)) return undefined;
  return {
    kind: "problem",
    transient: false,
    problem: problem(
      "event-type-not-accepted",
      422,
      `Events entry ${entry.name} scores ${[...entry.types].join(", ")}, not ${type.slice(0, 256)}`,
      { acceptedTypes: [...entry.types] },
    ),
  };
}

/** Maps without enrichment: what the request path can decide before queueing. */
export function mapEvent(
  entry: EventEntry,
  event: Record<string, unknown>,
  enriched?: unknown,
): PreparedEvent | UnpreparedEvent {
  try {
    return { kind: "request", request: eventToPredictionRequest(entry, event, enriched) };
  } catch (error) {
    if (!(error instanceof ProblemError)) throw error;
    return { kind: "problem", problem: error.problem, transient: false };
  }
}

/**
 * Type check, enrichment (when the entry has it) and mapping of one event, as the queued job runs them.
 * Enrichment's failures keep their nature: a 404 or an unusable key ends the event, a 5xx or timeout is retried.
 */
export async function prepareEvent(
  entry: EventEntry,
  event: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<PreparedEvent | UnpreparedEvent> {
  const wrongType = typeProblem(entry, String(event.type));
  if (wrongType) return wrongType;
  if (!entry.enrich) return mapEvent(entry, event);
  if (!entry.enricher) {
    return {
      kind: "problem",
      transient: true,
      problem: problem(
        "events-entry-not-configured",
        503,
        `Events entry ${entry.name} cannot enrich: ${entry.unsetSettings.join(", ")} not set`,
      ),
    };
  }
  let enriched: unknown;
  try {
    enriched = await entry.enricher.enrich(event, signal);
  } catch (error) {
    if (!(error instanceof EnrichmentFailure)) throw error;
    return { kind: "problem", problem: error.problem, transient: !error.permanent };
  }
  return mapEvent(entry, event, enriched);
}

/** The step the job processor runs for event jobs: prepares each with the entry it names, while that entry exists. */
export function eventPreparationStep(entries: ReadonlyMap<string, EventEntry>): EventPreparationStep {
  return (event) => {
    const entry = entries.get(event.entry);
    return entry && prepareEvent(entry, event.cloudEvent);
  };
}
