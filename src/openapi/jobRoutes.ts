import { problem } from "../shared/problem";
import { CONFIGURATION_ERROR, problemAnswer, RETRY_AFTER_HEADER } from "./problemAnswers";
import type { OpenApiObject, RouteFamily } from "./routeFamily";
import { FUNCTION_KEY, KEY_REFUSED } from "./security";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The 202 of `Prefer: respond-async` on predict: the validated request became a job. */
export const JOB_ACCEPTED: OpenApiObject = {
  description:
    "With `Prefer: respond-async`: the request is valid and was accepted as a job (with an `Idempotency-Key`, the job id is `predict:<key>`; the same key and body, members in any order, answer the same job again).",
  headers: {
    Location: { description: "The job: `/api/jobs/{id}`.", schema: { type: "string" } },
    "Preference-Applied": { description: "`respond-async`.", schema: { type: "string" } },
    "Retry-After": RETRY_AFTER_HEADER,
  },
  content: {
    "application/json": {
      schema: ref("JobAccepted"),
      example: { id: "order-4711-churn", status: "queued" },
    },
  },
};

/** The request headers that ask for asynchronous scoring. */
export const RESPOND_ASYNC_PARAMETERS: OpenApiObject[] = [
  {
    name: "Prefer",
    in: "header",
    required: false,
    // No example: the reference's "Try it out" would send it, and the synchronous answer is the one to try.
    description: "`respond-async` (RFC 7240): answer 202 with the job instead of waiting for the prediction.",
    schema: { type: "string" },
  },
  {
    name: "Idempotency-Key",
    in: "header",
    required: false,
    description:
      "With `respond-async`: names the job, `predict:<key>` (1 to 200 characters). Reused with another body: 422.",
    schema: { type: "string", minLength: 1, maxLength: 200 },
  },
  {
    name: "Callback-Url",
    in: "header",
    required: false,
    description:
      "With `respond-async`: where the result CloudEvent is POSTed, signed as a Standard Webhooks sender (a host of `CALLBACK_ALLOWED_HOSTS`; refused: 422 `callback-refused`). Without `respond-async`: 400.",
    schema: { type: "string", format: "uri", maxLength: 2048 },
  },
];

const getJob: OpenApiObject = {
  operationId: "jobs.get",
  tags: ["Jobs"],
  summary: "A scoring job's record",
  description:
    "Jobs come from the scoring queue and from `Prefer: respond-async` on predict. Records are kept for `JOB_TTL_HOURS`.",
  security: FUNCTION_KEY,
  parameters: [
    {
      name: "id",
      in: "path",
      required: true,
      description:
        "The job id as `Location` and results give it: `predict:<key>`, `event:<source>#<id>`, `webhook:<source>#<delivery id>`, or a queue message's own id (ids derived from a CloudEvent may hold slashes).",
      schema: { type: "string" },
    },
  ],
  responses: {
    "200": {
      description: "The job: `queued`, `running`, `succeeded` or `failed`; `result` once it is done.",
      content: {
        "application/json": {
          schema: ref("Job"),
          example: {
            id: "order-4711-churn",
            status: "succeeded",
            model: "churn",
            createdAt: "2026-01-01T00:00:00.000Z",
            completedAt: "2026-01-01T00:00:00.120Z",
            attempts: 1,
            result: { deploymentId: "d1", prediction: { churn_probability: 0.2135, churn: 0 } },
          },
        },
      },
    },
    "401": KEY_REFUSED,
    "404": problemAnswer("No job of this id (unknown, or expired).", {
      unknownJob: problem("unknown-job", 404, 'No job "order-4711-churn" (unknown, or expired)'),
    }),
    "503": problemAnswer(
      "Job records cannot be read right now, or a setting is wrong.",
      {
        recordsUnavailable: problem(
          "job-records-unavailable",
          503,
          "Job records cannot be read right now; retry later",
        ),
        configurationError: CONFIGURATION_ERROR,
      },
      { headers: { "Retry-After": RETRY_AFTER_HEADER } },
    ),
  },
};

/** `POST /api/jobs/{id}/callback`: the job's result delivered to its callback again. */
const replayCallback: OpenApiObject = {
  operationId: "replayJobCallback",
  summary: "Deliver a job's result to its callback again",
  description:
    "Starts a new series of callback attempts for a done job (the retry schedule from its start), under the same `webhook-id` (the result's CloudEvent id), whatever state the callback was in; the attempts of an earlier series stop. The job's record (`GET /api/jobs/{id}`) shows the progress.",
  security: FUNCTION_KEY,
  parameters: [
    {
      name: "id",
      in: "path",
      required: true,
      description: "The job id.",
      schema: { type: "string" },
    },
  ],
  responses: {
    "202": {
      description: "The first attempt of the new series is queued.",
      headers: { Location: { description: "The job: `/api/jobs/{id}`.", schema: { type: "string" } } },
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["id", "callback"],
            properties: {
              id: { type: "string" },
              callback: {
                type: "object",
                required: ["state", "attempts", "series"],
                properties: {
                  state: { type: "string", enum: ["pending"] },
                  attempts: { type: "integer", minimum: 0 },
                  series: { type: "integer", minimum: 1 },
                },
              },
            },
          },
          example: { id: "order-4711-churn", callback: { state: "pending", attempts: 0, series: 1 } },
        },
      },
    },
    "401": KEY_REFUSED,
    "404": problemAnswer("No job of this id (unknown, or expired).", {
      unknownJob: problem("unknown-job", 404, 'No job "order-4711-churn" (unknown, or expired)'),
    }),
    "409": problemAnswer("The job is not done yet, or has no callback.", {
      notDone: problem(
        "job-not-done",
        409,
        'Job "order-4711-churn" is running: there is no result to deliver yet',
      ),
      noCallback: problem(
        "job-without-callback",
        409,
        'Job "order-4711-churn" has no callback to deliver to',
      ),
    }),
    "503": problemAnswer(
      "Job records or the callback queue cannot be reached right now, or a setting is wrong.",
      {
        recordsUnavailable: problem(
          "job-records-unavailable",
          503,
          "The callback could not be started again right now; retry later",
        ),
        configurationError: CONFIGURATION_ERROR,
      },
      { headers: { "Retry-After": RETRY_AFTER_HEADER } },
    ),
  },
};

/** `GET /api/jobs/{id}`: the record of a scoring job; `POST /api/jobs/{id}/callback`: its callback replayed. */
export const jobRoutes: RouteFamily = {
  tag: {
    name: "Jobs",
    description:
      "Asynchronous scoring: jobs from the scoring queue or `Prefer: respond-async`, and their records.",
  },
  paths: () => ({ "/jobs/{id}": { get: getJob }, "/jobs/{id}/callback": { post: replayCallback } }),
  schemas: () => ({
    JobAccepted: {
      type: "object",
      required: ["id", "status"],
      properties: {
        id: { type: "string" },
        status: { type: "string", enum: ["queued", "running", "succeeded", "failed"] },
      },
    },
    Job: {
      type: "object",
      required: ["id", "status", "model", "createdAt", "attempts"],
      properties: {
        id: { type: "string" },
        status: { type: "string", enum: ["queued", "running", "succeeded", "failed"] },
        model: { type: "string" },
        createdAt: { type: "string", format: "date-time" },
        completedAt: { type: "string", format: "date-time" },
        attempts: { type: "integer", minimum: 0 },
        result: {
          description: "`{deploymentId, prediction}` when it succeeded, `{problem}` when it failed.",
          type: "object",
          properties: { deploymentId: { type: "string" }, prediction: {}, problem: ref("Problem") },
        },
        callback: {
          description: "Where the result is pushed, and how far that got (only for a job with a callback).",
          type: "object",
          required: ["url", "state", "attempts", "at"],
          properties: {
            url: {
              type: "string",
              description: "The callback's origin, its path redacted (`/…`), without its query.",
            },
            state: { type: "string", enum: ["pending", "delivered", "failed", "gone", "refused"] },
            attempts: { type: "integer", minimum: 0 },
            lastStatus: { type: "integer", description: "The receiver's status on the last attempt." },
            detail: { type: "string", description: "How the last attempt ended, or why it was refused." },
            at: { type: "string", format: "date-time" },
            series: {
              type: "integer",
              minimum: 1,
              description: "How many times the callback was replayed (`POST /api/jobs/{id}/callback`).",
            },
          },
        },
      },
    },
  }),
};
