import { createHash } from "node:crypto";
import { CloudEvent } from "cloudevents";
import { stringify as canonicalJson } from "safe-stable-stringify";
import * as z from "zod";
import { isPlainObject } from "../scoring/predictionRequest";
import { nestsDeeperThan } from "../shared/jsonDepth";
import { type Problem, problem } from "../shared/problem";
import { isProducerJobId, MAX_IDEMPOTENCY_KEY_LENGTH, MAX_JOB_ID_LENGTH, queuedEventJobId } from "./jobIds";

/** Longest callback URL a job may name. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/**
 * Deepest nesting of a job message: the 32 levels a request body may have (the HTTP parser's limit), and room for
 * the job and CloudEvent around it. Deeper input would overflow the stack of what serializes or hashes it.
 */
export const MAX_JOB_DEPTH = 40;

/** A CloudEvent taken at `POST /api/events/{entry}`: its job enriches and maps it before scoring. */
export interface JobEvent {
  entry: string;
  cloudEvent: Record<string, unknown>;
}

/** One scoring job, the shape every asynchronous entry point hands over (DESIGN §9). */
export interface ScoringJob {
  id: string;
  model: string;
  /** The prediction body as `/predict` takes it: one instance, or `{"instances": [...]}`; `{}` for an event job. */
  body: Record<string, unknown>;
  /** An event job's CloudEvent: the body is built from it (and its enrichment) when the job runs. */
  event?: JobEvent;
  /** Any JSON, echoed back untouched in the result. */
  metadata?: unknown;
  /** Where the result is POSTed as a signed webhook (checked against CALLBACK_ALLOWED_HOSTS). */
  callback?: string;
  /**
   * Why the job fails without being scored, decided when it was taken (an event of a batch that was too large, or
   * no CloudEvent): it still goes through the queue, so that it gets its record, its result and its callback.
   */
  refused?: Problem;
}

/** A message that is not a job: the problem says why, `jobId` is the best id known for its failed result. */
export interface NotAJob {
  jobId: string;
  problem: Problem;
}

export type ParsedJob = { ok: true; job: ScoringJob } | ({ ok: false } & NotAJob);

const jobSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(MAX_JOB_ID_LENGTH)
      .refine((id) => isProducerJobId(id) || id.length <= MAX_IDEMPOTENCY_KEY_LENGTH, {
        message: `must hold at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      })
      .optional(),
    model: z.string().min(1).max(64),
    input: z.record(z.string(), z.unknown()).optional(),
    instances: z.array(z.unknown()).optional(),
    event: z
      .strictObject({ entry: z.string().min(1).max(64), cloudEvent: z.record(z.string(), z.unknown()) })
      .optional(),
    metadata: z.unknown().optional(),
    callback: z.string().min(1).max(MAX_CALLBACK_URL_LENGTH).optional(),
    refused: z
      .looseObject({
        type: z.string().max(200),
        title: z.string().max(200),
        status: z.number().int().min(400).max(599),
        detail: z.string().max(2000),
      })
      .optional(),
  })
  .refine((job) => [job.input, job.instances, job.event].filter((part) => part !== undefined).length === 1, {
    message:
      'a job has exactly one of "input" (one instance), "instances" (1-100 of them) or "event" (an events entry\'s CloudEvent)',
  });

function notAJob(jobId: string, detail: string, errors?: { pointer: string; message: string }[]): ParsedJob {
  return { ok: false, jobId, problem: problem("invalid-job", 400, detail, errors ? { errors } : {}) };
}

/** Base64 of UTF-8 JSON, as the SDKs' base64 encoders and some producers write it; undefined when it is not. */
function fromBase64Json(text: string): unknown {
  const compact = text.trim();
  if (compact.length < 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0)
    return undefined;
  const decoded = Buffer.from(compact, "base64");
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  try {
    return JSON.parse(utf8.decode(decoded));
  } catch {
    return undefined;
  }
}

/**
 * The message as a JSON value. The trigger hands a parsed value when the text was JSON (the library's
 * `fromRpcTypedData` tries `JSON.parse`), else the text; plain JSON and base64 of JSON are both accepted so that
 * `az storage message put`, the SDKs' base64 encoders and Event Grid's queue destination all work.
 */
function messageValue(message: unknown): { value: unknown } | undefined {
  if (Buffer.isBuffer(message) || message instanceof Uint8Array) {
    return messageValue(Buffer.from(message).toString("utf8"));
  }
  if (typeof message !== "string") return { value: message };
  try {
    return { value: JSON.parse(message) };
  } catch {
    const decoded = fromBase64Json(message);
    return decoded === undefined ? undefined : { value: decoded };
  }
}

function eventData(event: CloudEvent<unknown>): unknown {
  const data = event.data;
  if (data instanceof Uint8Array) {
    try {
      return JSON.parse(Buffer.from(data).toString("utf8"));
    } catch {
      return undefined;
    }
  }
  if (typeof data === "string") return messageValue(data)?.value;
  return data;
}

/** A structured-mode CloudEvent 1.0 whose data is a job, parsed and validated by the CNCF SDK. */
function fromCloudEvent(value: Record<string, unknown>, fallbackId: string): ParsedJob {
  let event: CloudEvent<unknown>;
  try {
    if (value.specversion !== "1.0") throw new Error(`specversion must be "1.0"`);
    event = new CloudEvent(value, true);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return notAJob(fallbackId, `The message is not a valid CloudEvent 1.0: ${detail}`);
  }
  return fromJobObject(eventData(event), queuedEventJobId(event.source, event.id), "/data");
}

function fromJobObject(value: unknown, fallbackId: string, prefix = ""): ParsedJob {
  // A message that is no job names its failed result by its own id, unless that id lies in an HTTP producer's
  // namespace: a malformed message must not publish a failed result under an event's or a key's job id.
  const idOf = (v: unknown) =>
    isPlainObject(v) &&
    typeof v.id === "string" &&
    v.id.length > 0 &&
    v.id.length <= MAX_JOB_ID_LENGTH &&
    !isProducerJobId(v.id)
      ? v.id
      : fallbackId;
  if (!isPlainObject(value)) {
    return notAJob(
      fallbackId,
      `The ${prefix ? "event's data" : "message"} is not a JSON object (a scoring job)`,
    );
  }
  const parsed = jobSchema.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      pointer: `${prefix}/${issue.path.map(String).join("/")}`.replace(/\/$/, "") || "/",
      message: issue.message,
    }));
    return notAJob(idOf(value), "The message is not a scoring job", errors);
  }
  const job = parsed.data;
  const body = job.input ?? (job.instances ? { instances: job.instances } : {});
  return {
    ok: true,
    job: {
      id: job.id ?? fallbackId,
      model: job.model,
      body,
      ...(job.event ? { event: job.event } : {}),
      metadata: job.metadata,
      ...(job.callback === undefined ? {} : { callback: job.callback }),
      ...(job.refused === undefined ? {} : { refused: job.refused as Problem }),
    },
  };
}

/**
 * A queue message as a scoring job: `{ id?, model, input | instances, metadata? }` in plain JSON or base64 of JSON,
 * or a structured CloudEvent 1.0 whose `data` is such a job. `messageId` is the job id when the job names none.
 */
export function parseJobMessage(message: unknown, messageId: string): ParsedJob {
  const read = messageValue(message);
  if (!read) return notAJob(messageId, "The message is not JSON (nor base64 of JSON)");
  const { value } = read;
  if (nestsDeeperThan(value, MAX_JOB_DEPTH)) {
    // Its own id when it names one at the top: the failed result must reach whoever waits for that job.
    return notAJob(
      topLevelJobId(value) ?? messageId,
      `The message nests JSON deeper than ${MAX_JOB_DEPTH} levels (MAX_JOB_DEPTH), the limit of a job`,
      [{ pointer: "/", message: `nested deeper than ${MAX_JOB_DEPTH} levels` }],
    );
  }
  if (isPlainObject(value) && typeof value.specversion === "string") return fromCloudEvent(value, messageId);
  return fromJobObject(value, messageId);
}

/**
 * The job id a message names at its top (a job's own `id` outside the HTTP producers' namespaces, a CloudEvent's
 * `source#id`), without reading any deeper.
 */
function topLevelJobId(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  if (typeof value.specversion === "string") {
    const { source, id } = value;
    return typeof source === "string" && typeof id === "string" && source && id
      ? queuedEventJobId(source, id)
      : undefined;
  }
  const { id } = value;
  return typeof id === "string" && id.length > 0 && id.length <= MAX_JOB_ID_LENGTH && !isProducerJobId(id)
    ? id
    : undefined;
}

function hashParts(job: ScoringJob): unknown[] {
  // The event and the callback count only when there is one.
  return [
    job.model,
    job.body,
    job.metadata ?? null,
    ...(job.event ? [job.event] : []),
    ...(job.callback ? [job.callback] : []),
    // What the refusal says, not how its object was built (its members' order changes through the queue).
    ...(job.refused ? [[job.refused.type, job.refused.status, job.refused.detail]] : []),
  ];
}

/**
 * What a job's record and the idempotency check compare: its model, body (or event), metadata and callback, as
 * canonical JSON (members sorted, as RFC 8785 orders them), so the same job with its members in another order is
 * the same job.
 */
export function jobHash(job: ScoringJob): string {
  return `c1.${createHash("sha256")
    .update(String(canonicalJson(hashParts(job))))
    .digest("base64url")}`;
}

/**
 * The hash relays before the canonical one recorded (JSON in the order received): a job accepted by such a relay
 * while a newer one takes over (a deployment's overlap) is still the same job.
 */
export function legacyJobHash(job: ScoringJob): string {
  return createHash("sha256")
    .update(JSON.stringify(hashParts(job)))
    .digest("base64url");
}

/** The job as a queue message: plain JSON (host.json `messageEncoding: none`). */
export function jobMessage(job: ScoringJob): string {
  // As /predict reads a body: one with "instances" is a batch.
  return JSON.stringify({
    id: job.id,
    model: job.model,
    ...(job.event
      ? { event: job.event }
      : Object.hasOwn(job.body, "instances")
        ? { instances: job.body.instances }
        : { input: job.body }),
    ...(job.metadata === undefined ? {} : { metadata: job.metadata }),
    ...(job.callback === undefined ? {} : { callback: job.callback }),
    ...(job.refused === undefined ? {} : { refused: job.refused }),
  });
}
