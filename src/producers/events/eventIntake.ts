import { EVENTS_ENTRY, requireAdmittedCallback } from "../../deliveries/catalogCallbacks";
import { jsonResponse, type RelayResponse } from "../../http/problemResponse";
import type { Jobs } from "../../jobs/createJobs";
import { eventJobId } from "../../jobs/jobIds";
import { MAX_JOB_MESSAGE_BYTES } from "../../jobs/jobSubmission";
import { jobMessage, type ScoringJob } from "../../jobs/scoringJob";
import type { Logger } from "../../shared/logger";
import { mapWithConcurrency } from "../../shared/mapWithConcurrency";
import { type Problem, ProblemError, problem } from "../../shared/problem";
import type { ReceivedEvent, RefusedEvent } from "./cloudEventsDelivery";
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

/** Longest `detail` of a receipt's problem: the receipt of 100 events stays small. */
const MAX_RECEIPT_DETAIL = 300;

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

  async receive(
    entry: EventEntry,
    events: readonly ReceivedEvent[],
    logger: Logger,
    rest: { refused?: readonly RefusedEvent[]; unidentified?: number } = {},
  ): Promise<RelayResponse> {
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
    const unidentified = rest.unidentified ?? 0;
    if (unidentified > 0) {
      logger.warn(
        `events entry ${entry.name}: ${unidentified} batch element(s) are no CloudEvent and name no id and source; not scored`,
      );
    }
    // Each element that names an event gets a job: a refused one fails at once, with its own result.
    const taken: (ReceivedEvent | RefusedEvent)[] = [...events, ...(rest.refused ?? [])];
    const receipts = await mapWithConcurrency(taken, CONCURRENCY, (event) =>
      "json" in event ? this.take(entry, event, logger) : this.refuse(entry, event, logger),
    );
    return jsonResponse(202, {
      entry: entry.name,
      events: receipts,
      ...(unidentified > 0 ? { unidentified } : {}),
    });
  }

  private jobOf(
    entry: EventEntry,
    event: { id: string; source: string },
    cloudEvent: Record<string, unknown>,
    refused?: Problem,
  ): ScoringJob {
    return {
      id: eventJobId(event.source, event.id),
      model: entry.model.name,
      body: {},
      event: { entry: entry.name, cloudEvent },
      ...(entry.callback ? { callback: entry.callback.url } : {}),
      ...(refused ? { refused } : {}),
    };
  }

  /** An element of a batch that is no CloudEvent but names one: a job that fails at once, so it has a result. */
  private refuse(entry: EventEntry, event: RefusedEvent, logger: Logger): Promise<EventReceipt> {
    const type = event.type ?? "";
    const stub = { specversion: "1.0", id: event.id, source: event.source, type: type || "unknown" };
    const refused = problem(
      "not-cloudevents",
      400,
      `The batch element is not a CloudEvent 1.0: it ${event.reason}`,
    );
    return this.submit(entry, { id: event.id, source: event.source, type }, stub, logger, refused);
  }

  private async take(entry: EventEntry, event: ReceivedEvent, logger: Logger): Promise<EventReceipt> {
    const identity = { id: event.id, source: event.source, type: event.type };
    const size = Buffer.byteLength(jobMessage(this.jobOf(entry, identity, event.json)));
    if (size > MAX_JOB_MESSAGE_BYTES) {
      // Too large for its job's queue message: it fails alone, and the others of its batch are taken.
      const { specversion, id, source, type } = event.json;
      const refused = problem(
        "body-too-large",
        413,
        `The event is ${size} bytes as a job; a queue message holds at most ${MAX_JOB_MESSAGE_BYTES}`,
        { maxBytes: MAX_JOB_MESSAGE_BYTES },
      );
      return this.submit(entry, identity, { specversion, id, source, type }, logger, refused);
    }
    return this.submit(entry, identity, event.json, logger);
  }

  private async submit(
    entry: EventEntry,
    event: { id: string; source: string; type: string },
    cloudEvent: Record<string, unknown>,
    logger: Logger,
    refused?: Problem,
  ): Promise<EventReceipt> {
    const job = this.jobOf(entry, event, cloudEvent, refused);
    const receipt = { id: event.id, source: event.source, type: event.type, jobId: job.id };
    // What needs no source system is decided now, for the receipt: the type, and the mapping without enrich.
    const unscorable = refused
      ? { kind: "problem" as const, problem: refused }
      : (typeProblem(entry, event.type) ?? (entry.enrich ? undefined : mapEvent(entry, cloudEvent)));
    let submitted: Awaited<ReturnType<Jobs["submit"]>>;
    try {
      submitted = await this.jobs.submit(job, logger);
    } catch (error) {
      // The same source and id came before with other content: that first event's job stands.
      if (error instanceof ProblemError && error.problem.status === 422) {
        return { ...receipt, status: "failed", problem: bounded(error.problem) };
      }
      throw error;
    }
    const duplicate = submitted.created ? {} : { duplicate: true as const };
    if (unscorable?.kind === "problem")
      return { ...receipt, status: "failed", ...duplicate, problem: bounded(unscorable.problem) };
    return { ...receipt, status: submitted.status, ...duplicate };
  }
}

/** A receipt's problem: what it is and one line of why, never the event or a list of every violation. */
function bounded(p: Problem): Problem {
  const detail =
    p.detail.length > MAX_RECEIPT_DETAIL ? `${p.detail.slice(0, MAX_RECEIPT_DETAIL)}…` : p.detail;
  return { type: p.type, title: p.title, status: p.status, detail };
}
