import { app } from "@azure/functions";
import { createHealthHandler } from "../src/api/healthHandler";
import { relayFromEnvironment } from "../src/relay";

export const health = createHealthHandler(relayFromEnvironment());

app.http("health", {
  route: "health",
  methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
  authLevel: "anonymous",
  handler: health,
});
