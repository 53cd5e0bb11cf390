import { app } from "@azure/functions";
import { createWebhookHandler } from "../src/api/webhookHandler";
import { relayFromEnvironment } from "../src/relay";

export const webhook = createWebhookHandler(relayFromEnvironment());

// Anonymous: the source's signature is the authentication. Every method reaches the handler so that a wrong one
// gets a 405 problem+json.
app.http("webhook", {
  route: "hooks/{source}",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: webhook,
});
