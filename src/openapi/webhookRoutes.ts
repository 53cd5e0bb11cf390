import type { SourceDefinition, VerifySpec } from "../producers/webhooks/sourceCatalog";
import { problem } from "../shared/problem";
import { batchSchemaName, instanceSchemaName, predictionAnswer, scoringFailures } from "./predictRoutes";
import { problemAnswer, RETRY_AFTER_HEADER } from "./problemAnswers";
import type { OpenApiObject, RouteFamily } from "./routeFamily";
import { ANONYMOUS } from "./security";

const header = (name: string, description: string, required = true) => ({
  name,
  in: "header",
  required,
  description,
  schema: { type: "string" },
});

/** The headers each signature scheme reads. */
function signatureHeaders(verify: VerifySpec): OpenApiObject[] {
  switch (verify.scheme) {
    case "standard-webhooks":
      return [
        header("webhook-id", "Delivery id (covered by the signature; de-duplicates retries)."),
        header("webhook-timestamp", "Unix seconds; refused when more than 300 s off."),
        header(
          "webhook-signature",
          "`v1,<base64>` (space-separated for several) over `{id}.{timestamp}.{body}`.",
        ),
      ];
    case "github":
      return [
        header("X-Hub-Signature-256", "`sha256=<hex>` HMAC-SHA256 of the body."),
        header("X-GitHub-Delivery", "Delivery id (de-duplicates redeliveries).", false),
      ];
    case "stripe":
      return [
        header(
          "Stripe-Signature",
          "`t=<unix>,v1=<hex>` over `{t}.{body}`; refused when more than 300 s off.",
        ),
      ];
    case "hmac-sha256":
      return [
        header(verify.header, `${verify.prefix ?? ""}<${verify.encoding}> HMAC-SHA256 of the body.`),
        ...(verify.idHeader ? [header(verify.idHeader, "Delivery id (de-duplicates retries).", false)] : []),
      ];
  }
}

/** Puts `value` at an RFC 6901 pointer, creating objects (or arrays for numeric tokens) on the way. */
function setAtPointer(target: Record<string, unknown>, pointer: string, value: unknown): void {
  const tokens = pointer
    .split("/")
    .slice(1)
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: Record<string, unknown> = target;
  tokens.forEach((token, index) => {
    if (index === tokens.length - 1) {
      node[token] = value;
      return;
    }
    const next = node[token];
    if (typeof next === "object" && next !== null) node = next as Record<string, unknown>;
    else {
      const created = /^\d+$/.test(tokens[index + 1] ?? "") ? [] : {};
      node[token] = created;
      node = created as Record<string, unknown>;
    }
  });
}

/** The sender's payload that maps onto the model's example (strings where the source coerces). */
function examplePayload(source: SourceDefinition): unknown {
  const example = source.model.example;
  if (!example) return undefined;
  if (!source.map) return example;
  const payload: Record<string, unknown> = {};
  for (const [field, pointer] of source.map) {
    if (!(field in example)) continue;
    const value = example[field];
    setAtPointer(payload, pointer, source.coerce && typeof value === "number" ? String(value) : value);
  }
  return payload;
}

function webhookOperation(source: SourceDefinition): OpenApiObject {
  const example = examplePayload(source);
  const bodySchema = source.map
    ? {
        type: "object",
        description: `The sender's own payload; \`map\` picks model ${source.model.name}'s inputs from it.`,
      }
    : {
        anyOf: [
          { $ref: `#/components/schemas/${instanceSchemaName(source.model)}` },
          { $ref: `#/components/schemas/${batchSchemaName(source.model)}` },
        ],
      };
  const json = { schema: bodySchema, ...(example === undefined ? {} : { example }) };
  const content: Record<string, OpenApiObject> = { "application/json": json };
  if (source.formEncoded) {
    content["application/x-www-form-urlencoded"] = {
      schema: { type: "object", required: ["payload"], properties: { payload: { type: "string" } } },
    };
  }
  const failures = scoringFailures(source.model);
  return {
    operationId: `webhook.${source.name}`,
    tags: ["Webhooks"],
    summary: `Receive a ${source.verify.scheme} webhook from ${source.name}`,
    description: `Verifies the ${source.verify.scheme} signature over the exact bytes (secret: app setting \`${source.verify.secretSetting}\`), de-duplicates by delivery id, maps the payload onto model ${source.model.name}'s input and scores it. Anonymous: the signature is the authentication.`,
    security: ANONYMOUS,
    parameters: [
      ...signatureHeaders(source.verify),
      header("Idempotency-Key", "Delivery id for deliveries that carry none of their own.", false),
    ],
    requestBody: { required: true, content },
    responses: {
      "200": {
        ...predictionAnswer(source.model),
        headers: {
          ...(predictionAnswer(source.model).headers as OpenApiObject),
          "Idempotent-Replayed": {
            description: "`true` when this is the recorded answer to an earlier copy of the delivery.",
            schema: { type: "string", enum: ["true"] },
          },
        },
      },
      ...(source.callback
        ? {
            "202": {
              description:
                "This source has a callback: the delivery was accepted as a scoring job (id `webhook:{source}#{delivery id}`, the same for a retry of the delivery); its result is POSTed to the callback, signed.",
              headers: {
                Location: { description: "The job: `/api/jobs/{id}`.", schema: { type: "string" } },
              },
              content: {
                "application/json": {
                  schema: { $ref: "#/components/schemas/JobAccepted" },
                  example: { id: `${source.name}#msg_2KWPBgLlAfxdpx2AI54pPJ85f4W`, status: "queued" },
                },
              },
            },
          }
        : {}),
      "400": problemAnswer("The body is not JSON, or the delivery id is over 1000 characters.", {
        notJson: problem(
          "invalid-body",
          400,
          "The request body is not valid JSON: Unexpected end of JSON input",
        ),
      }),
      "401": problemAnswer("The signature is missing, malformed, wrong or expired (`failure` says which).", {
        wrong: problem("signature-invalid", 401, "The signature matches none of this source's secrets", {
          failure: "wrong",
        }),
      }),
      "409": problemAnswer(
        "The same delivery is still being scored; retry for its answer.",
        {
          inProgress: problem(
            "delivery-in-progress",
            409,
            `Delivery "msg_1" of source ${source.name} is still being scored; retry for its answer`,
            { deliveryId: "msg_1" },
          ),
        },
        { headers: { "Retry-After": RETRY_AFTER_HEADER } },
      ),
      ...failures,
      "422": problemAnswer(
        "The delivery id came before with another body, or the payload does not map onto the model's input or match its schema (pointers into the sender's payload).",
        {
          reused: problem(
            "idempotency-key-reused",
            422,
            `Delivery "msg_1" of source ${source.name} was received before with a different body`,
            { deliveryId: "msg_1" },
          ),
        },
      ),
      "503": {
        ...failures["503"],
        description: `${String(failures["503"]?.description)} Also: the secret setting is unset, or delivery records are unreachable.`,
      },
    },
  };
}

/** `POST /api/hooks/{source}`: one operation per catalog source, with its signature headers. */
export const webhookRoutes: RouteFamily = {
  tag: { name: "Webhooks", description: "One operation per webhook source of the catalog." },
  paths: ({ sources }) =>
    Object.fromEntries(
      [...sources.values()].map((source) => [`/hooks/${source.name}`, { post: webhookOperation(source) }]),
    ),
};
