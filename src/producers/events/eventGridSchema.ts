import { isPlainObject } from "../../scoring/predictionRequest";

/** A JSON array in the Event Grid event schema (its events have `eventType`, CloudEvents have `specversion`). */
export function isEventGridSchema(values: readonly unknown[]): boolean {
  const first = values[0];
  return isPlainObject(first) && first.eventType !== undefined && first.specversion === undefined;
}

const REQUIRED = ["id", "topic", "eventType", "subject", "eventTime"] as const;

/**
 * An Event Grid schema event as the CloudEvent Event Grid itself would deliver in the CloudEvents schema:
 * `topic` → `source`, `eventType` → `type`, `eventTime` → `time`, `id`, `subject` and `data` as they are
 * ("CloudEvents v1.0 schema with Azure Event Grid"). `dataVersion` and `metadataVersion` have no CloudEvents
 * attribute and are left out.
 */
export function eventGridToCloudEvent(value: unknown): Record<string, unknown> | string {
  if (!isPlainObject(value)) return "is not a JSON object";
  const missing = REQUIRED.filter((name) => typeof value[name] !== "string");
  if (missing.length > 0) return `is not an Event Grid event: it lacks ${missing.join(", ")}`;
  const event: Record<string, unknown> = {
    specversion: "1.0",
    id: value.id,
    source: value.topic,
    type: value.eventType,
    time: value.eventTime,
  };
  if (value.subject !== "") event.subject = value.subject;
  if (value.data !== undefined) {
    event.datacontenttype = "application/json";
    event.data = value.data;
  }
  return event;
}

/** Converts, then reads the result as any structured CloudEvent. */
export function fromEventGridSchema<T>(structured: (value: unknown) => T | string) {
  return (value: unknown): T | string => {
    const event = eventGridToCloudEvent(value);
    return typeof event === "string" ? event : structured(event);
  };
}
