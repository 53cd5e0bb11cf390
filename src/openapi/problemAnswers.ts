import { PROBLEM_CONTENT_TYPE } from "../http/problemResponse";
import { type Problem, problem } from "../shared/problem";
import type { OpenApiObject } from "./routeFamily";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** RFC 9457 problem details and the extension members the relay adds, shared by every route family. */
export const PROBLEM_SCHEMAS: Record<string, OpenApiObject> = {
  Problem: {
    type: "object",
    description: "RFC 9457 problem details. Extension members appear where they help.",
    required: ["type", "title", "status", "detail"],
    properties: {
      type: { type: "string", description: "urn:aicore-relay:problem:<kind>" },
      title: { type: "string" },
      status: { type: "integer", minimum: 400, maximum: 599 },
      detail: { type: "string" },
      errors: { type: "array", items: ref("Violation") },
      knownModels: { type: "array", items: { type: "string" } },
      knownEntries: { type: "array", items: { type: "string" } },
      acceptedTypes: { type: "array", items: { type: "string" } },
      pointer: { type: "string" },
      maxBytes: { type: "integer" },
      model: { type: "string" },
      deploymentId: { type: ["string", "null"] },
      deploymentStatus: { type: ["string", "null"] },
      targetStatus: { type: ["string", "null"] },
      statusMessage: { type: ["string", "null"] },
      refreshedAt: { type: "string", format: "date-time" },
      upstreamStatus: { type: "integer" },
      upstreamBody: { type: "string" },
      failure: { type: "string", enum: ["missing", "malformed", "wrong", "expired"] },
      source: { type: "string" },
      deliveryId: { type: "string" },
      jobId: { type: "string" },
      setting: { type: "string", description: "The app setting at fault (configuration-error)." },
    },
  },
  ValidationProblem: {
    description:
      "Every violation of the model's input schema, each with a JSON Pointer into the request body.",
    allOf: [ref("Problem"), { type: "object", required: ["errors"] }],
  },
  Violation: {
    type: "object",
    required: ["pointer", "message"],
    properties: {
      pointer: { type: "string", description: "RFC 6901 JSON Pointer, e.g. /instances/3/tenure" },
      message: { type: "string" },
    },
  },
};

/** `Retry-After` in seconds. */
export const RETRY_AFTER_HEADER = {
  description: "Seconds to wait before retrying.",
  schema: { type: "string", pattern: "^[0-9]+$" },
};

/** A Response Object whose body is problem+json, with named examples (each a real problem value). */
export function problemAnswer(
  description: string,
  examples: Record<string, Problem>,
  options: { schema?: string; headers?: Record<string, OpenApiObject> } = {},
): OpenApiObject {
  return {
    description,
    ...(options.headers ? { headers: options.headers } : {}),
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: ref(options.schema ?? "Problem"),
        examples: Object.fromEntries(
          Object.entries(examples).map(([name, value]) => [name, { summary: value.title, value }]),
        ),
      },
    },
  };
}

/** What every HTTP function answers while a setting or the catalog is wrong (never the value). */
export const CONFIGURATION_ERROR: Problem = problem(
  "configuration-error",
  503,
  "The relay is not configured correctly: AICORE_SERVICE_KEY is not set",
  { setting: "AICORE_SERVICE_KEY" },
);

/** 503 for the routes that have no other 503: the relay's configuration is wrong. */
export const CONFIGURATION_ERROR_ANSWER = problemAnswer(
  "A setting or the catalog is wrong; the problem names the setting.",
  { configurationError: CONFIGURATION_ERROR },
);
