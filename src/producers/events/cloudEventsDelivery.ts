import { type CloudEvent, HTTP } from "cloudevents";
import { parseJsonBody } from "../../http/parseJson";
import { isPlainObject } from "../../scoring/predictionRequest";
import { errorLine } from "../../shared/errorLine";
import { ProblemError, problem } from "../../shared/problem";
import { fromEventGridSchema, isEventGridSchema } from "./eventGridSchema";

/** One well-formed CloudEvent 1.0 of a delivery, as the JSON event format writes it. */
export interface ReceivedEvent {
  id: string;
  source: string;
  type: string;
  /** The event in the CloudEvents JSON format: attributes, extensions and `data`; the mapping document's `event`. */
  json: Record<string, unknown>;
}

export type DeliveryMode = "structured" | "batched" | "binary" | "eventgrid";

export type Delivery =
  | { kind: "events"; mode: DeliveryMode; events: ReceivedEvent[] }
  | { kind: "subscription-validation"; validationCode: string };

export const MAX_EVENTS_PER_DELIVERY = 100;

const CE_JSON = "application/cloudevents+json";
const CE_BATCH = "application/cloudevents-batch+json";
const REQUIRED = ["specversion", "id", "source", "type"] as const;
/** RFC 3339 date-time, as CloudEvents' `time` must be (the SDK would replace a bad one with the time of parsing). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

interface Violation {
  pointer: string;
  message: string;
}

function notCloudEvents(detail: string, errors?: Violation[]): ProblemError {
  return new ProblemError(problem("not-cloudevents", 400, detail, errors ? { errors } : {}));
}

function mediaTypeOf(headers: Headers): string {
  return (headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

function isJsonMediaType(mediaType: string): boolean {
  return mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/** What a JSON object lacks to be a CloudEvent 1.0; the SDK would invent an id and a time for it. */
function missingAttributes(value: Record<string, unknown>): string | undefined {
  const missing = REQUIRED.filter((name) => typeof value[name] !== "string" || value[name] === "");
  if (missing.length > 0) return `lacks ${missing.join(", ")} (each a non-empty string)`;
  if (value.specversion !== "1.0")
    return `has specversion ${JSON.stringify(value.specversion)}; only 1.0 is taken`;
  const time = value.time;
  if (
    time !== undefined &&
    (typeof time !== "string" || !RFC3339.test(time) || Number.isNaN(Date.parse(time)))
  ) {
    return "has a time that is not an RFC 3339 timestamp";
  }
  return undefined;
}

/**
 * The SDK's event, validated against the CloudEvents 1.0 schema. Its attributes keep the values they were sent
 * with: the SDK rewrites `time` (and invents one when there is none), so the sent one is put back.
 */
function received(event: CloudEvent<unknown>, sentTime: unknown): ReceivedEvent {
  if (event.validate() !== true) throw new Error("is not a CloudEvent 1.0");
  const json: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) {
    if (value !== undefined) json[name] = value;
  }
  if (sentTime === undefined) delete json.time;
  else json.time = sentTime;
  return { id: event.id, source: event.source, type: event.type, json };
}

/** One structured-mode event (a JSON object) through the SDK; the problem says why it is not one. */
function structuredEvent(value: unknown): ReceivedEvent | string {
  if (!isPlainObject(value)) return "is not a JSON object";
  const missing = missingAttributes(value);
  if (missing) return missing;
  // Azure Event Grid's own events carry `dataschema: "#"`, a URI reference where the spec asks for a URI: the SDK
  // refuses it, and Event Grid would drop the refused event. Such a dataschema is kept as sent, unchecked.
  const { dataschema, ...rest } = value;
  const lenient = typeof dataschema === "string" && !URL.canParse(dataschema);
  try {
    const event = HTTP.toEvent({ headers: { "content-type": CE_JSON }, body: lenient ? rest : value });
    const read = received(event as CloudEvent<unknown>, value.time);
    if (lenient) read.json.dataschema = dataschema;
    return read;
  } catch (error) {
    return errorLine(error);
  }
}

/** A batch: every element must be a CloudEvent, or the delivery is refused with each element's problem. */
function batch(values: unknown[], mode: DeliveryMode, convert: (value: unknown) => ReceivedEvent | string) {
  if (values.length === 0 || values.length > MAX_EVENTS_PER_DELIVERY) {
    throw notCloudEvents(
      `A batch holds 1 to ${MAX_EVENTS_PER_DELIVERY} events; this one holds ${values.length}`,
    );
  }
  const events: ReceivedEvent[] = [];
  const errors: Violation[] = [];
  values.forEach((value, index) => {
    const event = convert(value);
    if (typeof event === "string") errors.push({ pointer: `/${index}`, message: event });
    else events.push(event);
  });
  if (errors.length > 0) {
    throw notCloudEvents(`${errors.length} of the ${values.length} events are not CloudEvents 1.0`, errors);
  }
  return { kind: "events" as const, mode, events };
}

function binary(headers: Headers, body: Uint8Array, mediaType: string): Delivery {
  const plain: Record<string, string> = {};
  headers.forEach((value, name) => {
    plain[name] = value;
  });
  const attributes = Object.fromEntries(
    [...REQUIRED, "time"].map((name) => [name, plain[`ce-${name}`]] as const),
  ) as Record<string, unknown>;
  const missing = missingAttributes(attributes);
  if (missing) throw notCloudEvents(`The ce-* headers describe no CloudEvent 1.0: it ${missing}`);
  let data: unknown;
  if (body.byteLength === 0) data = undefined;
  else if (isJsonMediaType(mediaType)) data = parseJsonBody(body);
  else if (mediaType.startsWith("text/")) data = Buffer.from(body).toString("utf8");
  else data = Buffer.from(body);
  try {
    const event = HTTP.toEvent({ headers: plain, body: data });
    return {
      kind: "events",
      mode: "binary",
      events: [received(event as CloudEvent<unknown>, plain["ce-time"])],
    };
  } catch (error) {
    throw notCloudEvents(`The ce-* headers describe no CloudEvent 1.0: ${errorLine(error)}`);
  }
}

/** The Event Grid handshake of a subscription in the Event Grid schema, when this is one. */
function subscriptionValidation(value: unknown): Delivery {
  const first = Array.isArray(value) ? value[0] : undefined;
  const data = isPlainObject(first) ? first.data : undefined;
  const code = isPlainObject(data) ? data.validationCode : undefined;
  if (
    !isPlainObject(first) ||
    first.eventType !== "Microsoft.EventGrid.SubscriptionValidationEvent" ||
    typeof code !== "string" ||
    code === ""
  ) {
    throw notCloudEvents(
      "aeg-event-type is SubscriptionValidation but the body is not [{eventType: Microsoft.EventGrid.SubscriptionValidationEvent, data: {validationCode}}]",
    );
  }
  return { kind: "subscription-validation", validationCode: code };
}

/**
 * Reads an HTTP delivery of CloudEvents in any mode of the HTTP binding — structured
 * (`application/cloudevents+json`), batched (`application/cloudevents-batch+json`, or a JSON array of events),
 * binary (`ce-*` headers) — or in the Event Grid schema (always a JSON array). A body that holds no CloudEvents
 * is a 400 (415 for a media type no mode uses) problem; a batch is taken whole or refused whole.
 */
export function parseDelivery(headers: Headers, body: Uint8Array): Delivery {
  const mediaType = mediaTypeOf(headers);
  if (headers.get("aeg-event-type")?.toLowerCase() === "subscriptionvalidation") {
    return subscriptionValidation(parseJsonBody(body));
  }
  if (mediaType === CE_JSON) {
    const event = structuredEvent(parseJsonBody(body));
    if (typeof event === "string") throw notCloudEvents(`The structured CloudEvent ${event}`);
    return { kind: "events", mode: "structured", events: [event] };
  }
  if (mediaType === CE_BATCH) {
    const value = parseJsonBody(body);
    if (!Array.isArray(value)) throw notCloudEvents(`${CE_BATCH} must be a JSON array of CloudEvents`);
    return batch(value, "batched", structuredEvent);
  }
  if (headers.has("ce-id") || headers.has("ce-specversion")) return binary(headers, body, mediaType);
  if (!isJsonMediaType(mediaType)) {
    throw new ProblemError(
      problem(
        "unsupported-media-type",
        415,
        `Content-Type ${JSON.stringify(mediaType.slice(0, 100))} carries no CloudEvents; send ${CE_JSON}, ${CE_BATCH}, ce-* headers, or the Event Grid schema as application/json`,
      ),
    );
  }
  const value = parseJsonBody(body);
  if (Array.isArray(value)) {
    return isEventGridSchema(value)
      ? batch(value, "eventgrid", fromEventGridSchema(structuredEvent))
      : batch(value, "batched", structuredEvent);
  }
  // A structured event sent as plain application/json (some producers do).
  if (isPlainObject(value) && value.specversion !== undefined) {
    const event = structuredEvent(value);
    if (typeof event === "string") throw notCloudEvents(`The CloudEvent ${event}`);
    return { kind: "events", mode: "structured", events: [event] };
  }
  throw notCloudEvents(
    "The body is JSON but no CloudEvent: send a CloudEvent (specversion, id, source, type), an array of them, or Event Grid events",
  );
}
