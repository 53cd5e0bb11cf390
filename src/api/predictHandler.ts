import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { outcomeResponse } from "../http/outcomeResponse";
import { parseJsonBody } from "../http/parseJson";
import { prefersRespondAsync } from "../http/prefer";
import { jsonResponse, type RelayResponse } from "../http/problem";
import { readBodyWithLimit, requireJsonContentType } from "../http/requestBody";
import type { Relay } from "../relay";
import { parsePredictionRequest } from "../scoring/predictionRequest";
import { jobLocation } from "./jobHandler";

/**
 * `POST /api/models/{model}/predict`: read, validate, score; every failure as problem+json. With
 * `Prefer: respond-async` (RFC 7240) the validated request becomes a job (id: the `Idempotency-Key`, if any),
 * answered 202 with its `Location`.
 */
export function createPredictHandler(relay: Relay) {
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["POST"]);
      const model = relay.scorer.model(request.params.model ?? "");
      requireJsonContentType(request.headers);
      const body = parseJsonBody(await readBodyWithLimit(request, relay.settings.maxBodyBytes));
      const prediction = parsePredictionRequest(body, model);
      if (prefersRespondAsync(request.headers.get("prefer"))) {
        const job = await relay.jobs.submit(
          {
            id: request.headers.get("idempotency-key") ?? undefined,
            model: model.name,
            body: body as Record<string, unknown>,
          },
          context,
        );
        return jsonResponse(
          202,
          { id: job.id, status: job.status },
          {
            Location: jobLocation(job.id),
            "Preference-Applied": "respond-async",
            "Retry-After": "1",
            "Cache-Control": "no-store",
          },
        );
      }
      return outcomeResponse(await relay.scorer.score(model, prediction, context));
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
