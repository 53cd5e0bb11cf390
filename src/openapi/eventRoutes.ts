import { callbackRefused } from "../deliveries/callbackRefused";
import { MAX_EVENTS_PER_DELIVERY } from "../producers/events/cloudEventsDelivery";
import type { EventDefinition } from "../producers/events/eventCatalog";
import { problem } from "../shared/problem";
import { scoringFailures } from "./predictRoutes";
import { CONFIGURATION_ERROR, problemAnswer, RETRY_AFTER_HEADER } from "./problemAnswers";
import type { OpenApiObject, RouteFamily } from "./routeFamily";
import { FUNCTION_KEY, KEY_REFUSED } from "./security";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const header = (name: string, description: string) => ({
  name,
  in: "header",
  required: false,
  description,
  schema: { type: "string" },
});

/** An example event of the entry's first type, with the model's example as its data when it has no `map`. */
function exampleEvent(entry: EventDefinition): OpenApiObject {
  const [type = "com.example.changed"] = entry.types;
  return {
    specversion: "1.0",
    id: "1fad4742-26e5-1eed-adb4-f1b2d27e3a11",
    source: "/default/sap.s4.beh/730431274",
    type,
    time: "2026-11-27T09:19:54Z",
    datacontenttype: "application/json",
    data: entry.map || !entry.model.example ? { BusinessPartner: "1000746" } : entry.model.example,
  };
}

function postOperation(entry: EventDefinition): OpenApiObject {
  const event = exampleEvent(entry);
  const bodyFailures = scoringFailures(entry.model);
  // The operation, not the wiring: the document is served anonymously, so the source system's URL and the
  // callback's host stay out of it.
  const enrich = entry.enrich
    ? " Each event is first enriched in its job: the record it names is fetched from the entry's source system."
    : "";
  const pushedTo = entry.callback !== undefined;
  const callback = pushedTo
    ? " Each result is also POSTed to the entry's callback, signed (Standard Webhooks)."
    : "";
  return {
    operationId: `events.${entry.name}`,
    tags: ["Events"],
    summary: `Receive CloudEvents for model ${entry.model.name}`,
    description: `Takes CloudEvents of type ${[...entry.types].map((type) => `\`${type}\``).join(", ")} in any mode of the HTTP binding (structured, batched, binary) or the Event Grid schema, and makes each one a scoring job for model ${entry.model.name}.${enrich}${callback} Every well-formed event is acknowledged with 202; one that can never be scored gets a failed result on the results queue instead of a 4xx.`,
    security: FUNCTION_KEY,
    parameters: [
      header(
        "aeg-event-type",
        "Event Grid: `Notification`, or `SubscriptionValidation` for the validation handshake.",
      ),
      header(
        "ce-id",
        "Binary mode: the event's id (with ce-source, ce-type, ce-specversion; the body is its data).",
      ),
      header("ce-source", "Binary mode: the event's source."),
      header("ce-type", "Binary mode: the event's type."),
      header("ce-specversion", "Binary mode: 1.0."),
    ],
    requestBody: {
      required: true,
      content: {
        "application/cloudevents+json": { schema: ref("CloudEvent"), example: event },
        "application/cloudevents-batch+json": {
          schema: { type: "array", maxItems: MAX_EVENTS_PER_DELIVERY, items: ref("CloudEvent") },
          example: [event],
        },
        "application/json": {
          schema: {
            description:
              "A JSON array of CloudEvents or of Event Grid events (1 to 100), a CloudEvent, or — in binary mode, with ce-* headers — the event's data.",
          },
        },
        "*/*": { schema: { description: "Binary mode: the event's data, with ce-* headers." } },
      },
    },
    responses: {
      "200": {
        description: "An Event Grid subscription validation, answered with its code.",
        content: {
          "application/json": {
            schema: {
              type: "object",
              required: ["validationResponse"],
              properties: { validationResponse: { type: "string" } },
            },
          },
        },
      },
      "202": {
        description:
          "The batch was taken: one receipt per event that names its `id` and `source` (a well-formed one, or an element that is no CloudEvent, refused alone), in order; `unidentified` counts elements that name no event. `failed` events have their failed result on the results queue. `[]` is taken too.",
        content: { "application/json": { schema: ref("EventReceipts") } },
      },
      "400": problemAnswer("The body holds no CloudEvents (each bad element of a batch is named).", {
        notCloudEvents: problem(
          "not-cloudevents",
          400,
          "The structured CloudEvent lacks id (each a non-empty string)",
        ),
      }),
      "401": KEY_REFUSED,
      "411": bodyFailures["411"],
      "413": bodyFailures["413"],
      "415": problemAnswer("A content type no mode of the binding uses, without ce-* headers.", {
        unsupported: problem(
          "unsupported-media-type",
          415,
          'Content-Type "text/plain" carries no CloudEvents; send application/cloudevents+json, application/cloudevents-batch+json, ce-* headers, or the Event Grid schema as application/json',
        ),
      }),
      ...(pushedTo && {
        "422": problemAnswer(
          "The entry's callback is refused (CALLBACK_ALLOWED_HOSTS, or no CALLBACK_SIGNING_SECRET): no event was taken, the broker retries.",
          {
            refused: callbackRefused("the callback host crm.example.com is not in CALLBACK_ALLOWED_HOSTS"),
          },
        ),
      }),
      "503": problemAnswer(
        "Job records or queues are unreachable, or the entry's credential settings are unset: retry (a redelivered event names the same job).",
        {
          unavailable: problem(
            "job-records-unavailable",
            503,
            "The job could not be accepted (job records unavailable); retry later",
          ),
          notConfigured: problem(
            "events-entry-not-configured",
            503,
            `Events entry ${entry.name} cannot enrich until S4_CLIENT_SECRET are set`,
          ),
          configurationError: CONFIGURATION_ERROR,
        },
        { headers: { "Retry-After": RETRY_AFTER_HEADER } },
      ),
    },
  };
}

function optionsOperation(entry: EventDefinition): OpenApiObject {
  const granted = entry.allowedOrigins.includes("*") ? "any origin" : entry.allowedOrigins.join(", ");
  return {
    operationId: `events.${entry.name}.handshake`,
    tags: ["Events"],
    summary: "CloudEvents abuse-protection handshake",
    description: `Grants ${granted}: answers WebHook-Allowed-Origin with the request's WebHook-Request-Origin, WebHook-Allowed-Rate and Allow: POST.`,
    security: FUNCTION_KEY,
    parameters: [
      header("WebHook-Request-Origin", "The sender asking to deliver, e.g. eventgrid.azure.net."),
      header("WebHook-Request-Rate", "Requests per minute the sender would like to send."),
    ],
    responses: {
      "200": {
        description: "Granted (or, without WebHook-Request-Origin, just the allowed method).",
        headers: {
          "WebHook-Allowed-Origin": { description: "The granted origin.", schema: { type: "string" } },
          "WebHook-Allowed-Rate": { description: "`*` or requests per minute.", schema: { type: "string" } },
          Allow: { description: "POST", schema: { type: "string" } },
        },
      },
      "401": KEY_REFUSED,
      "403": problemAnswer("The origin is not among the entry's allowedOrigins.", {
        refused: problem(
          "origin-not-allowed",
          403,
          'WebHook-Request-Origin "evil.example.com" is not among this entry\'s allowedOrigins',
        ),
      }),
      "503": problemAnswer("A setting or the catalog is wrong.", { configurationError: CONFIGURATION_ERROR }),
    },
  };
}

const EVENT_SCHEMAS: Record<string, OpenApiObject> = {
  CloudEvent: {
    type: "object",
    description: "A CloudEvent 1.0 in the JSON event format.",
    required: ["specversion", "id", "source", "type"],
    properties: {
      specversion: { type: "string", const: "1.0" },
      id: { type: "string", minLength: 1 },
      source: { type: "string", minLength: 1 },
      type: { type: "string", minLength: 1 },
      subject: { type: "string" },
      time: { type: "string", format: "date-time" },
      datacontenttype: { type: "string" },
      dataschema: { type: "string" },
      data: { description: "The event's data." },
    },
  },
  EventReceipts: {
    type: "object",
    required: ["entry", "events"],
    properties: {
      entry: { type: "string" },
      unidentified: {
        type: "integer",
        minimum: 1,
        description:
          "Batch elements that are no CloudEvent and name no `id` and `source`: logged, not scored.",
      },
      events: {
        type: "array",
        items: {
          type: "object",
          required: ["id", "source", "type", "jobId", "status"],
          properties: {
            id: { type: "string" },
            source: { type: "string" },
            type: { type: "string" },
            jobId: { type: "string", description: "GET /api/jobs/{jobId} follows it." },
            status: { type: "string", enum: ["queued", "running", "succeeded", "failed"] },
            duplicate: {
              type: "boolean",
              const: true,
              description: "A redelivery of an event taken before.",
            },
            problem: ref("Problem"),
          },
        },
      },
    },
  },
};

/** `POST|OPTIONS /api/events/{name}`: one path per events entry of the catalog. */
export const eventRoutes: RouteFamily = {
  tag: {
    name: "Events",
    description: "One path per events entry of the catalog (CloudEvents in, scoring jobs out).",
  },
  paths: ({ events }) =>
    Object.fromEntries(
      [...events.values()].map((entry) => [
        `/events/${entry.name}`,
        { post: postOperation(entry), options: optionsOperation(entry) },
      ]),
    ),
  schemas: ({ events }) => (events.size > 0 ? EVENT_SCHEMAS : {}),
};
