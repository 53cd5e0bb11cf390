import type { HttpRequest, InvocationContext } from "@azure/functions";
import { toErrorResponse } from "../http/errorResponse";
import { requireMethod } from "../http/methodGuard";
import { jsonResponse, type RelayResponse } from "../http/problemResponse";
import { readBodyWithLimit } from "../http/requestBody";
import { answerHandshake } from "../producers/events/abuseProtection";
import { parseDelivery } from "../producers/events/cloudEventsDelivery";
import type { Relay } from "../relay/relay";
import type { Logger } from "../shared/logger";

/**
 * `POST /api/events/{name}`: CloudEvents (or Event Grid events) in, one scoring job per event, 202 with a receipt
 * per event. `OPTIONS` answers the CloudEvents abuse-protection handshake; an Event Grid subscription validation
 * is answered with its code. Every failure as problem+json.
 */
export async function createEventsHandler(relay: Relay, logger?: Pick<Logger, "warn">) {
  const { eventIntake } = await relay.features(logger);
  return async (request: HttpRequest, context: InvocationContext): Promise<RelayResponse> => {
    try {
      requireMethod(request.method, ["POST", "OPTIONS"]);
      const entry = eventIntake.entry(request.params.name ?? "");
      if (request.method.toUpperCase() === "OPTIONS") return answerHandshake(entry, request.headers);
      const delivery = parseDelivery(
        request.headers,
        await readBodyWithLimit(request, relay.settings.maxBodyBytes),
      );
      if (delivery.kind === "subscription-validation") {
        context.log(`events entry ${entry.name}: Event Grid subscription validated`);
        return jsonResponse(200, { validationResponse: delivery.validationCode });
      }
      return await eventIntake.receive(entry, delivery.events, context, delivery);
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
