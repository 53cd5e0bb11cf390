import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { outcomeResponse } from "../http/outcomeResponse";
import { parseJsonBody } from "../http/parseJson";
import { prefersRespondAsync } from "../http/prefer";
import { jsonResponse, ProblemError, problem, type RelayResponse } from "../http/problem";
import { readBodyWithLimit, requireJsonContentType } from "../http/requestBody";
import { callbackRefused } from "../jobs/jobProcessor";
import { MAX_CALLBACK_URL_LENGTH } from "../jobs/scoringJob";
import type { Relay } from "../relay";
import { parsePredictionRequest } from "../scoring/predictionRequest";
import { jobLocation } from "./jobHandler";

/** A `Callback-Url` is checked when the job is accepted: a refused one is 422, and no job is made. */
function admitCallback(relay: Relay, url: string): void {
  if (url.length > MAX_CALLBACK_URL_LENGTH) {
    throw new ProblemError(callbackRefused(`it is longer than ${MAX_CALLBACK_URL_LENGTH} characters`));
  }
  const check = relay.jobs.callbacks.admit(url);
  if (!check.allowed) throw new ProblemError(callbackRefused(check.reason));
}

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
        if (callback !== undefined) admitCallback(relay, callback);
        const job = await relay.jobs.submit(
          {
            id: request.headers.get("idempotency-key") ?? undefined,
            model: model.name,
            body: body as Record<string, unknown>,
            ...(callback === undefined ? {} : { callback }),
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
