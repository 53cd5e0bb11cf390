/** RFC 9457 problem details: every error the relay answers has this shape. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

const TITLES = {
  "invalid-body": "Request body is not valid",
  "unknown-model": "Unknown model",
  "unknown-source": "Unknown source",
  "method-not-allowed": "Method not allowed",
  "body-too-large": "Request body too large",
  "length-required": "Content-Length required",
  "unsupported-media-type": "Unsupported media type",
  "validation-failed": "Input does not match the model's schema",
  "no-usable-deployment": "No usable deployment",
  "upstream-error": "The model server answered an error",
  "upstream-unreachable": "The model server could not be reached",
  "upstream-timeout": "The model server did not answer in time",
  "upstream-answer-too-large": "The model server's answer is too large",
  "upstream-rejected": "The model server is not being called right now",
  "storage-unavailable": "Deployment records are unavailable",
  "internal-error": "Internal error",
  "invalid-job": "Message is not a scoring job",
  "unknown-job": "Unknown job",
  "job-not-done": "The job is not done yet",
  "job-without-callback": "The job has no callback",
  "job-id-reused": "Job id reused with a different body",
  "job-records-unavailable": "Job records are unavailable",
  "configuration-error": "The relay is not configured correctly",
  "not-found": "Not found",
  "signature-invalid": "Webhook signature is not valid",
  "source-not-configured": "Webhook source is not configured",
  "delivery-in-progress": "This delivery is still being processed",
  "idempotency-key-reused": "Delivery id reused with a different body",
  "payload-mapping-failed": "Payload does not map onto the model's input",
  "delivery-records-unavailable": "Webhook delivery records are unavailable",
  "not-cloudevents": "The body is not CloudEvents",
  "unknown-events-entry": "Unknown events entry",
  "events-entry-not-configured": "Events entry is not configured",
  "origin-not-allowed": "WebHook-Request-Origin is not allowed",
  "event-type-not-accepted": "The event's type is not scored by this entry",
  "enrichment-failed": "The source system did not give the event's details",
  "callback-refused": "The callback URL is refused",
  "callback-needs-respond-async": "Callback-Url needs Prefer: respond-async",
} as const satisfies Record<string, string>;

export type ProblemKind = keyof typeof TITLES;

/** A problem that travels up the stack as an exception and is answered at the edge. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

export function problem(
  kind: ProblemKind,
  status: number,
  detail: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return {
    ...extensions,
    type: `urn:aicore-relay:problem:${kind}`,
    title: TITLES[kind],
    status,
    detail,
  };
}
