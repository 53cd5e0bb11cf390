import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import type { RelayResponse } from "../http/problemResponse";
import { readBodyWithLimit } from "../http/requestBody";
import type { Relay } from "../relay/relay";
import type { Logger } from "../shared/logger";

/** `POST /api/hooks/{source}`: the signature is the authentication; every failure as problem+json. */
export async function createWebhookHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const { webhooks } = await relay.features(logger);
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["POST"]);
      const source = webhooks.source(request.params.source ?? "", context);
      const body = await readBodyWithLimit(request, relay.settings.maxBodyBytes);
      return await webhooks.receive(source, request.headers, body, context);
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
