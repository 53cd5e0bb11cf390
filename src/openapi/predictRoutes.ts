import type { ModelDefinition } from "../config/catalog";
import { DEPLOYMENT_ID_HEADER } from "../http/outcomeResponse";
import { MAX_BATCH, parsePredictionRequest } from "../scoring/predictionRequest";
import { ProblemError, problem } from "../shared/problem";
import { JOB_ACCEPTED, RESPOND_ASYNC_PARAMETERS } from "./jobRoutes";
import { CONFIGURATION_ERROR, problemAnswer, RETRY_AFTER_HEADER } from "./problemAnswers";
import type { OpenApiObject, RouteFamily } from "./routeFamily";
import { FUNCTION_KEY, KEY_REFUSED } from "./security";

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const instanceSchemaName = (model: ModelDefinition) => `${model.name}.Instance`;
export const batchSchemaName = (model: ModelDefinition) => `${model.name}.Batch`;

/** The 422 the relay really answers for an empty instance (every required field missing). */
function validationExample(model: ModelDefinition) {
  try {
    parsePredictionRequest({}, model);
  } catch (error) {
    if (error instanceof ProblemError) return error.problem;
  }
  return problem("validation-failed", 422, `1 violation(s) of model ${model.name}'s input schema`, {
    errors: [{ pointer: "/instances/0/x", message: "Invalid input: expected number, received string" }],
  });
}

/** The answers a prediction may get besides 200: shared by predict and the webhook routes. */
export function scoringFailures(model: ModelDefinition): Record<string, OpenApiObject> {
  const retryAfter = { "Retry-After": RETRY_AFTER_HEADER };
  return {
    "411": problemAnswer(
      "The body came chunked (Transfer-Encoding without Content-Length): the Functions host does not forward it.",
      {
        lengthRequired: problem(
          "length-required",
          411,
          "A chunked request body (Transfer-Encoding without Content-Length) does not reach the relay; send the body with Content-Length",
        ),
      },
    ),
    "413": problemAnswer("The body is larger than MAX_BODY_BYTES (cut off while reading).", {
      tooLarge: problem(
        "body-too-large",
        413,
        "The request body is larger than 1048576 bytes (MAX_BODY_BYTES)",
        {
          maxBytes: 1048576,
        },
      ),
    }),
    "415": problemAnswer("The content type is not JSON (application/json or */*+json, UTF-8).", {
      notJson: problem(
        "unsupported-media-type",
        415,
        'Content-Type "text/plain" is not JSON in UTF-8; send application/json',
      ),
    }),
    "502": problemAnswer("The model server answered an error, or could not be reached.", {
      upstreamError: problem("upstream-error", 502, "The model server of deployment d1 answered 500", {
        upstreamStatus: 500,
        upstreamBody: "Internal Server Error",
      }),
      unreachable: problem("upstream-unreachable", 502, "model server could not be reached (ECONNRESET)"),
    }),
    "503": problemAnswer(
      "No usable deployment (the detail names its status and message), or the model server's circuit is open, or too many calls are in flight, or a setting is wrong.",
      {
        noUsableDeployment: problem(
          "no-usable-deployment",
          503,
          `Model ${model.name} has no usable deployment: deployment d1: status DEAD (Deployment failed)`,
          {
            model: model.name,
            deploymentId: "d1",
            deploymentStatus: "DEAD",
            targetStatus: "RUNNING",
            statusMessage: "Deployment failed",
            refreshedAt: "2026-01-01T00:00:00.000Z",
          },
        ),
        circuitOpen: problem(
          "upstream-rejected",
          503,
          "model server of d1 failed repeatedly; its circuit is open and the next probe is within 10 s",
        ),
        configurationError: CONFIGURATION_ERROR,
      },
      { headers: retryAfter },
    ),
    "504": problemAnswer(
      "The model server did not answer in time (PREDICT_TIMEOUT_MS, REQUEST_DEADLINE_MS).",
      {
        timeout: problem("upstream-timeout", 504, "model server did not answer in time"),
      },
    ),
  };
}

/** The model's answer, passed through: JSON or text as the model server sent it. */
export function predictionAnswer(model: ModelDefinition): OpenApiObject {
  const batch =
    model.requestFormat === "instances"
      ? 'The model server\'s answer to {"instances": [...]}, as it came.'
      : 'The model server\'s answer as it came; a batch is answered as {"predictions": [...]}, one per instance, in order.';
  return {
    description: `The prediction. ${batch}`,
    headers: {
      [DEPLOYMENT_ID_HEADER]: {
        description: "The AI Core deployment that answered.",
        schema: { type: "string" },
      },
    },
    content: {
      "application/json": { schema: { description: "The model's answer." } },
      "text/plain": { schema: { type: "string" } },
    },
  };
}

function predictOperation(model: ModelDefinition): OpenApiObject {
  const examples: Record<string, OpenApiObject> = {};
  if (model.example) {
    examples.instance = { summary: "One instance", value: model.example };
    examples.batch = { summary: "A batch", value: { instances: [model.example, model.example] } };
  }
  return {
    operationId: `predict.${model.name}`,
    tags: ["Predict"],
    summary: `Score with model ${model.name}`,
    description: `Validates the body against model ${model.name}'s input schema and calls its current AI Core deployment (scenario ${model.scenarioId}, executable ${model.executableId}) at \`${model.predictPath}\`. Body: one instance, or \`{"instances": [...]}\` with 1 to ${MAX_BATCH}.`,
    security: FUNCTION_KEY,
    parameters: RESPOND_ASYNC_PARAMETERS,
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: { anyOf: [ref(instanceSchemaName(model)), ref(batchSchemaName(model))] },
          ...(model.example ? { examples } : {}),
        },
      },
    },
    responses: {
      "200": predictionAnswer(model),
      "202": JOB_ACCEPTED,
      "400": problemAnswer(
        'The body is not JSON, or not one instance or {"instances": [...]}; or a `Callback-Url` came without `Prefer: respond-async`.',
        {
          notAnObject: problem(
            "invalid-body",
            400,
            'The body must be a JSON object: one instance, or {"instances": [...]}',
          ),
          callbackNeedsRespondAsync: problem(
            "callback-needs-respond-async",
            400,
            "A Callback-Url is honoured only with Prefer: respond-async: the result is pushed once the job is done",
          ),
        },
      ),
      "401": KEY_REFUSED,
      "422": problemAnswer(
        "The body does not match the model's input schema: every violation, with a JSON Pointer. (With `respond-async`, an `Idempotency-Key` reused with another body is 422 `job-id-reused` too, and a refused `Callback-Url` 422 `callback-refused`, both without `errors`.)",
        { validationFailed: validationExample(model) },
        { schema: "ValidationProblem" },
      ),
      ...scoringFailures(model),
    },
  };
}

/** `POST /api/models/{model}/predict`: one operation per catalog model, with its own input schema. */
export const predictRoutes: RouteFamily = {
  tag: { name: "Predict", description: "One operation per model of the catalog." },
  paths: ({ catalog }) =>
    Object.fromEntries(
      [...catalog.models.values()].map((model) => [
        `/models/${model.name}/predict`,
        { post: predictOperation(model) },
      ]),
    ),
  schemas: ({ catalog }) =>
    Object.fromEntries(
      [...catalog.models.values()].flatMap((model) => [
        [
          instanceSchemaName(model),
          { ...model.input, ...(model.example ? { examples: [model.example] } : {}) },
        ],
        [
          batchSchemaName(model),
          {
            type: "object",
            required: ["instances"],
            properties: {
              instances: {
                type: "array",
                minItems: 1,
                maxItems: MAX_BATCH,
                items: ref(instanceSchemaName(model)),
              },
            },
          },
        ],
      ]),
    ),
};
