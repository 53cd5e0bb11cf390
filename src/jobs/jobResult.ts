import { createHash } from "node:crypto";
import { CloudEvent } from "cloudevents";
import type { Problem } from "../shared/problem";
import { redactValue } from "../shared/secretRedaction";

export const SUCCEEDED_TYPE = "aicore-relay.prediction.succeeded";
export const FAILED_TYPE = "aicore-relay.prediction.failed";

export type JobStatus = "queued" | "running" | "succeeded" | "failed";

/** The `data` of a result CloudEvent. */
export interface ResultData {
  jobId: string;
  model: string;
  deploymentId?: string;
  status: "succeeded" | "failed";
  /** The model's answer: parsed JSON, or its text when it is not JSON. */
  prediction?: unknown;
  /** The problem+json `/predict` would have answered. */
  problem?: Problem;
  metadata?: unknown;
  /** The CloudEvent an event job was made of (`POST /api/events/{entry}`). */
  event?: { source: string; id: string; type: string };
  /** Deliveries of the job's message so far (the queue's dequeueCount). */
  attempts: number;
}

/** A result CloudEvent 1.0 in structured JSON, as it goes on the results queue. */
export type ResultEvent = Record<string, unknown> & { id: string; type: string; data: ResultData };

/**
 * The result's CloudEvent id (and its callback's `webhook-id`), derived from the job id and the time the result was
 * made: a result published or called back again (after a crash, on every retry) is read from the job record and
 * carries the same id, so consumers de-duplicate on it; a later result of a job id used again after its record
 * expired is another result, with another id, that no receiver drops as a duplicate.
 */
export function resultEventId(jobId: string, createdAt: Date): string {
  const made = createdAt.toISOString();
  return `result-${createHash("sha256").update(`${jobId}\n${made}`).digest("hex").slice(0, 40)}`;
}

/**
 * The result CloudEvent of a job (built and checked by the CNCF SDK). Its data is cleaned of every credential the
 * relay holds: the result is what the results queue, the job record and the callback carry.
 */
export function resultEvent(data: ResultData, completedAt: Date): ResultEvent {
  const event = new CloudEvent<ResultData>({
    specversion: "1.0",
    id: resultEventId(data.jobId, completedAt),
    type: data.status === "succeeded" ? SUCCEEDED_TYPE : FAILED_TYPE,
    source: `/models/${encodeURIComponent(data.model || "unknown")}`,
    subject: data.jobId,
    time: completedAt.toISOString(),
    datacontenttype: "application/json",
    data: redactValue(data),
  });
  // As it goes on the queue: the attributes that are set (the SDK's object also holds unset ones as undefined).
  return JSON.parse(JSON.stringify(event)) as ResultEvent;
}
