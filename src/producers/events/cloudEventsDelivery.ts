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

/** A batch element that is no CloudEvent but names its `id` and `source`: it gets a failed result of its own. */
export interface RefusedEvent {
  id: string;
  source: string;
  type?: string;
  /** Why it is not a CloudEvent 1.0. */
  reason: string;
}

export type Delivery =
  | {
      kind: "events";
      mode: DeliveryMode;
      events: ReceivedEvent[];
      /** Batch elements that are not CloudEvents but say which event they are. */
      refused?: RefusedEvent[];
      /** Batch elements that are not CloudEvents and name no event: logged and counted, nothing else. */
      unidentified?: number;
    }
  | { kind: "subscription-validation"; validationCode: string };

export const MAX_EVENTS_PER_DELIVERY = 100;

const CE_JSON = "application/cloudevents+json";
const CE_BATCH = "application/cloudevents-batch+json";
const REQUIRED = ["specversion", "id", "source", "type"] as const;
/** RFC 3339 date-time, as CloudEvents' `time` must be (the SDK would replace a bad one with the time of parsing). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function notCloudEvents(detail: string): ProblemError {
  return new ProblemError(problem("not-cloudevents", 400, detail));
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
  bytesAsBase64(json);
  return { id: event.id, source: event.source, type: event.type, json };
}

/**
 * The event's data as the JSON event format writes it: bytes as `data_base64` (base64 text), never a Buffer
 * serialized as `{"type":"Buffer","data":[...]}`; a structured event's `data_base64` decoded into `data` when its
 * `datacontenttype` says JSON or text, and kept alone (no byte-indexed `data` beside it) otherwise.
 */
function bytesAsBase64(json: Record<string, unknown>): void {
  const data = json.data;
  const base64 = typeof json.data_base64 === "string" ? json.data_base64 : undefined;
  const bytes =
    base64 !== undefined
      ? Buffer.from(base64, "base64")
      : data instanceof Uint8Array
        ? Buffer.from(data)
        : undefined;
  if (!bytes) return;
  delete json.data;
  delete json.data_base64;
  const contentType = typeof json.datacontenttype === "string" ? json.datacontenttype : "";
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType.startsWith("text/")) {
    json.data = bytes.toString("utf8");
    return;
  }
  if (isJsonMediaType(mediaType)) {
    try {
      json.data = parseJsonBody(bytes);
      return;
    } catch {
      // Not JSON after all: kept as the bytes it is.
    }
  }
  json.data_base64 = bytes.toString("base64");
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

/** The `id` and `source` an element names, when both are non-empty strings: enough to give it a result. */
function identityOf(value: unknown): Omit<RefusedEvent, "reason"> | undefined {
  if (!isPlainObject(value)) return undefined;
  const { id, source, type } = value;
  if (typeof id !== "string" || id === "" || typeof source !== "string" || source === "") return undefined;
  return { id, source, ...(typeof type === "string" && type !== "" ? { type } : {}) };
}

/**
 * A batch, taken per element: a well-formed batch (a JSON array of at most MAX_EVENTS_PER_DELIVERY elements, `[]`
 * included) is accepted; each element that is no CloudEvent is refused alone — with a failed result when it names
 * its `id` and `source`, counted otherwise. Brokers drop (Event Grid) or redeliver forever (Event Mesh) a delivery
 * answered 4xx, so one bad element must not cost the others.
 */
function batch(values: unknown[], mode: DeliveryMode, convert: (value: unknown) => ReceivedEvent | string) {
  if (values.length > MAX_EVENTS_PER_DELIVERY) {
    throw notCloudEvents(
      `A batch holds at most ${MAX_EVENTS_PER_DELIVERY} events; this one holds ${values.length}`,
    );
  }
  const events: ReceivedEvent[] = [];
  const refused: RefusedEvent[] = [];
  let unidentified = 0;
  for (const value of values) {
    const event = convert(value);
    if (typeof event !== "string") {
      events.push(event);
      continue;
    }
    const identity = identityOf(value);
    if (identity) refused.push({ ...identity, reason: event });
    else unidentified++;
  }
  return { kind: "events" as const, mode, events, refused, unidentified };
}

/**
 * A `ce-*` header's value as the HTTP binding (§3.1.3.2) has it sent: a quoted-string unquoted (its `\` escapes
 * undone), then percent-decoded as UTF-8. Undefined when it is not valid percent-encoding.
 */
export function headerAttribute(raw: string): string | undefined {
  let value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    value = value.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function binary(headers: Headers, body: Uint8Array, mediaType: string): Delivery {
  const plain: Record<string, string> = {};
  let undecodable: string | undefined;
  headers.forEach((value, name) => {
    if (!name.startsWith("ce-")) {
      plain[name] = value;
      return;
    }
    const decoded = headerAttribute(value);
    if (decoded === undefined) undecodable ??= name;
    else plain[name] = decoded;
  });
  if (undecodable) {
    throw notCloudEvents(
      `The header ${undecodable} is not valid percent-encoding (CloudEvents HTTP binding §3.1.3.2)`,
    );
  }
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
