import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { outcomeResponse } from "../http/outcomeResponse";
import { parseJsonBody } from "../http/parseJson";
import type { RelayResponse } from "../http/problem";
import { readBodyWithLimit, requireJsonContentType } from "../http/requestBody";
import type { Relay } from "../relay";
import { parsePredictionRequest } from "../scoring/predictionRequest";

/** `POST /api/models/{model}/predict`: read, validate, score; every failure as problem+json. */
export function createPredictHandler(relay: Relay) {
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["POST"]);
      const model = relay.scorer.model(request.params.model ?? "");
      requireJsonContentType(request.headers);
      const body = parseJsonBody(await readBodyWithLimit(request, relay.settings.maxBodyBytes));
      return outcomeResponse(await relay.scorer.score(model, parsePredictionRequest(body, model), context));
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
