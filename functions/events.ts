import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";

export const events = relayHttpFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadEventsHandler()),
);

// Function keys: Event Grid and SAP Event Mesh both carry one in the endpoint URL's `code` (Event Grid also as the
// delivery header x-functions-key). OPTIONS is the CloudEvents abuse-protection handshake; every other method
// reaches the handler so that it gets a 405 problem+json.
app.http("events", {
  route: "events/{name}",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "function",
  handler: events,
});
