import { app } from "@azure/functions";
import { relayHttpFunction } from "../src/api/relayFunction";

export const webhook = relayHttpFunction(() =>
  import("../src/api/handlers.js").then((m) => m.loadWebhookHandler()),
);

// Anonymous: the source's signature is the authentication. Every method reaches the handler so that a wrong one
// gets a 405 problem+json.
app.http("webhook", {
  route: "hooks/{source}",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: webhook,
});
