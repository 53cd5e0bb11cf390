import { EVENTS_ENTRY, requireAdmittedCallback } from "../../deliveries/catalogCallbacks";
import { jsonResponse, type RelayResponse } from "../../http/problemResponse";
import type { Jobs } from "../../jobs/createJobs";
import { eventJobId } from "../../jobs/jobIds";
import type { ScoringJob } from "../../jobs/scoringJob";
import type { Logger } from "../../shared/logger";
import { mapWithConcurrency } from "../../shared/mapWithConcurrency";
import { type Problem, ProblemError, problem } from "../../shared/problem";
import type { ReceivedEvent } from "./cloudEventsDelivery";
import type { EventEntry } from "./eventEntries";
import { mapEvent, typeProblem } from "./eventPreparation";

/** What the 202 body says of one event. */
export interface EventReceipt {
  id: string;
  source: string;
  type: string;
  jobId: string;
  /** `queued` (for a redelivery: the job's status so far), or `failed` with the problem. */
  status: string;
  duplicate?: true;
  problem?: Problem;
}

/** Submissions in flight for one delivery (a batch holds up to 100 events). */
const CONCURRENCY = 8;
const NOT_CONFIGURED_RETRY_AFTER_SECONDS = 60;

/**
 * Turns each well-formed event of a delivery into a scoring job whose id is the event's source and id, and
 * acknowledges all of them with 202: brokers drop (Event Grid) or endlessly redeliver (Event Mesh) what is
 * refused, so an event that can never be scored gets a failed result, not a 4xx. Its job ends at once with that
 * result (the queue function checks again), so every event has one record, one result, and a redelivery is
 * answered from its job. Only storage being unreachable is a 503 with Retry-After: the broker retries. An entry
 * with a callback has each result POSTed there; while that callback is refused, every delivery is 422 (the broker
 * redelivers them).
 */
export class EventIntake {
  constructor(
    private readonly entries: ReadonlyMap<string, EventEntry>,
    private readonly jobs: Pick<Jobs, "submit" | "callbacks">,
  ) {}

  entry(name: string): EventEntry {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new ProblemError(
        problem(
          "unknown-events-entry",
          404,
          `No events entry named ${JSON.stringify(name.slice(0, 100))} in the catalog`,
          { knownEntries: [...this.entries.keys()] },
        ),
      );
    }
    return entry;
  }

  async receive(entry: EventEntry, events: readonly ReceivedEvent[], logger: Logger): Promise<RelayResponse> {
    if (entry.unsetSettings.length > 0) {
      throw new ProblemError(
        problem(
          "events-entry-not-configured",
          503,
          `Events entry ${entry.name} cannot enrich until ${entry.unsetSettings.join(", ")} are set`,
        ),
        { "Retry-After": String(NOT_CONFIGURED_RETRY_AFTER_SECONDS) },
      );
    }
    if (entry.callback) {
      requireAdmittedCallback(EVENTS_ENTRY, entry.name, entry.callback.url, this.jobs.callbacks, logger);
    }
    const receipts = await mapWithConcurrency(events, CONCURRENCY, (event) =>
      this.take(entry, event, logger),
    );
    return jsonResponse(202, { entry: entry.name, events: receipts });
  }

  private async take(entry: EventEntry, event: ReceivedEvent, logger: Logger): Promise<EventReceipt> {
    const job: ScoringJob = {
      id: eventJobId(event.source, event.id),
      model: entry.model.name,
      body: {},
      event: { entry: entry.name, cloudEvent: event.json },
      ...(entry.callback ? { callback: entry.callback.url } : {}),
    };
    const receipt = { id: event.id, source: event.source, type: event.type, jobId: job.id };
    // What needs no source system is decided now, for the receipt: the type, and the mapping without enrich.
    const unscorable =
      typeProblem(entry, event.type) ?? (entry.enrich ? undefined : mapEvent(entry, event.json));
    let submitted: Awaited<ReturnType<Jobs["submit"]>>;
    try {
      submitted = await this.jobs.submit(job, logger);
    } catch (error) {
      // The same source and id came before with other content: that first event's job stands.
      if (error instanceof ProblemError && error.problem.status === 422) {
        return { ...receipt, status: "failed", problem: error.problem };
      }
      throw error;
    }
    const duplicate = submitted.created ? {} : { duplicate: true as const };
    if (unscorable?.kind === "problem")
      return { ...receipt, status: "failed", ...duplicate, problem: unscorable.problem };
    return { ...receipt, status: submitted.status, ...duplicate };
  }
}
