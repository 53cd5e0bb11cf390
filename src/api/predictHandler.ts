import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { outcomeResponse } from "../http/outcomeResponse";
import { parseJsonBody } from "../http/parseJson";
import { prefersRespondAsync } from "../http/prefer";
import type { RelayResponse } from "../http/problemResponse";
import { readBodyWithLimit, requireJsonContentType } from "../http/requestBody";
import type { Relay } from "../relay/relay";
import { parsePredictionRequest } from "../scoring/predictionRequest";
import { ProblemError, problem } from "../shared/problem";

/**
 * `POST /api/models/{model}/predict`: read, validate, score; every failure as problem+json. With
 * `Prefer: respond-async` (RFC 7240) the validated request becomes a job (id: the `Idempotency-Key`, if any),
 * answered 202 with its `Location`; a `Callback-Url` has the result POSTed there too, signed (Standard Webhooks).
 */
export function createPredictHandler(relay: Relay) {
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["POST"]);
      const model = relay.scorer.model(request.params.model ?? "");
      requireJsonContentType(request.headers);
      const body = parseJsonBody(await readBodyWithLimit(request, relay.settings.maxBodyBytes));
      const prediction = parsePredictionRequest(body, model);
      const callback = request.headers.get("callback-url") ?? undefined;
      if (prefersRespondAsync(request.headers.get("prefer"))) {
        const { acceptPredictionJob } = await import("../producers/predict/predictionJob.js");
        const { jobs } = await relay.features(context);
        return await acceptPredictionJob(
          jobs,
          {
            model: model.name,
            body: body as Record<string, unknown>,
            id: request.headers.get("idempotency-key") ?? undefined,
            callback,
          },
          context,
        );
      }
      if (callback !== undefined) {
        throw new ProblemError(
          problem(
            "callback-needs-respond-async",
            400,
            "A Callback-Url is honoured only with Prefer: respond-async: the result is pushed once the job is done",
          ),
        );
      }
      return outcomeResponse(await relay.scorer.score(model, prediction, context));
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
